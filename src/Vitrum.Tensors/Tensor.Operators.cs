namespace Vitrum.Tensors;

/// <summary>Arithmetic operators and method-style shortcuts that forward to <see cref="Ops"/>.</summary>
public sealed partial class Tensor
{
    public static Tensor operator +(Tensor a, Tensor b) => Ops.Add(a, b);
    public static Tensor operator -(Tensor a, Tensor b) => Ops.Sub(a, b);
    public static Tensor operator *(Tensor a, Tensor b) => Ops.Mul(a, b);
    public static Tensor operator /(Tensor a, Tensor b) => Ops.Div(a, b);
    public static Tensor operator -(Tensor a) => Ops.Neg(a);
    public static Tensor operator +(Tensor a, float b) => Ops.Add(a, b);
    public static Tensor operator -(Tensor a, float b) => Ops.Sub(a, b);
    public static Tensor operator *(Tensor a, float b) => Ops.Mul(a, b);
    public static Tensor operator /(Tensor a, float b) => Ops.Div(a, b);
    public static Tensor operator +(float a, Tensor b) => Ops.Add(b, a);
    public static Tensor operator *(float a, Tensor b) => Ops.Mul(b, a);

    public Tensor MatMul(Tensor other) => Ops.MatMul(this, other);
    public Tensor Sum(int[]? axes = null, bool keepDim = false) => Ops.Sum(this, axes, keepDim);
    public Tensor Exp() => Ops.Exp(this);
    public Tensor Log() => Ops.Log(this);
}
