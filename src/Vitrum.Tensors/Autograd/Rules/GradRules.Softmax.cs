namespace Vitrum.Tensors.Autograd;

internal static partial class GradRules
{
    /// <summary>dx = y * (g - sum(g * y)) along the softmax axis.</summary>
    public static void Softmax(Node n, Tensor g)
    {
        var y = n.Saved[0]!;
        int ax = n.Ints[0];
        var gy = Ops.Mul(g, y);
        n.Pass(0, Ops.Sub(gy, Ops.Mul(y, Ops.Sum(gy, ax, keepDim: true))));
    }

    /// <summary>dx = g - softmax(x) * sum(g) along the axis, with softmax(x) = exp(log_softmax(x)).</summary>
    public static void LogSoftmax(Node n, Tensor g)
    {
        var y = n.Saved[0]!;
        int ax = n.Ints[0];
        n.Pass(0, Ops.Sub(g, Ops.Mul(Ops.Exp(y), Ops.Sum(g, ax, keepDim: true))));
    }
}
