using System.Runtime.Intrinsics;

namespace Vitrum.Tensors.Kernels;

// Operator structs of the math ops (Ops.Math.cs) and of their backward rules. Each backward struct
// takes (gradient, saved value) so that it runs as one broadcast pass through Ops.Map2.

internal struct SqrtOp : IUnaryOp
{
    public static float Apply(float x) => MathF.Sqrt(x);
    public static Vector256<float> Apply(Vector256<float> x) => Vector256.Sqrt(x);
    public static Vector512<float> Apply(Vector512<float> x) => Vector512.Sqrt(x);
}

/// <summary>1 / sqrt(x) with a true division (not the 14-bit rsqrt estimate), as PyTorch computes it.</summary>
internal struct RsqrtOp : IUnaryOp
{
    public static float Apply(float x) => 1f / MathF.Sqrt(x);
    public static Vector256<float> Apply(Vector256<float> x) => Vector256<float>.One / Vector256.Sqrt(x);
    public static Vector512<float> Apply(Vector512<float> x) => Vector512<float>.One / Vector512.Sqrt(x);
}

internal struct AbsOp : IUnaryOp
{
    public static float Apply(float x) => MathF.Abs(x);
    public static Vector256<float> Apply(Vector256<float> x) => Vector256.Abs(x);
    public static Vector512<float> Apply(Vector512<float> x) => Vector512.Abs(x);
}

internal struct SquareOp : IUnaryOp
{
    public static float Apply(float x) => x * x;
    public static Vector256<float> Apply(Vector256<float> x) => x * x;
    public static Vector512<float> Apply(Vector512<float> x) => x * x;
}

internal struct CubeOp : IUnaryOp
{
    public static float Apply(float x) => x * x * x;
    public static Vector256<float> Apply(Vector256<float> x) => x * x * x;
    public static Vector512<float> Apply(Vector512<float> x) => x * x * x;
}

internal struct ReciprocalOp : IUnaryOp
{
    public static float Apply(float x) => 1f / x;
    public static Vector256<float> Apply(Vector256<float> x) => Vector256<float>.One / x;
    public static Vector512<float> Apply(Vector512<float> x) => Vector512<float>.One / x;
}

internal struct ErfOp : IUnaryOp
{
    public static float Apply(float x) => VectorMath.Erf(x);
    public static Vector256<float> Apply(Vector256<float> x) => VectorMath.Erf(x);
    public static Vector512<float> Apply(Vector512<float> x) => VectorMath.Erf(x);
}

/// <summary>
/// a^b with C's pow conventions (negative base: real result only for integral b, sign from odd b;
/// b = 0 or a = 1 give 1 even with NaN). Computed as exp(b log|a|) in double, so the float result is
/// rounded once, as from std::pow.
/// </summary>
internal struct PowOp : IBinaryOp
{
    public static float Apply(float a, float b) => (float)Math.Pow(a, b);

    public static Vector256<float> Apply(Vector256<float> a, Vector256<float> b)
    {
        var (alo, ahi) = Vector256.Widen(Vector256.Abs(a));
        var (blo, bhi) = Vector256.Widen(b);
        var mag = Vector256.Narrow(Vector256.Exp(blo * Vector256.Log(alo)), Vector256.Exp(bhi * Vector256.Log(ahi)));
        var integral = Vector256.IsInteger(b);
        var half = b * Vector256.Create(0.5f);
        var odd = integral & ~Vector256.IsInteger(half);
        var r = Vector256.ConditionalSelect(Vector256.IsNegative(a) & odd, -mag, mag);
        var nan = Vector256.LessThan(a, Vector256<float>.Zero) & Vector256.IsFinite(a) & Vector256.IsFinite(b) & ~integral;
        r = Vector256.ConditionalSelect(nan, Vector256.Create(float.NaN), r);
        var one = Vector256.Equals(b, Vector256<float>.Zero) | Vector256.Equals(a, Vector256<float>.One)
            | (Vector256.Equals(a, Vector256.Create(-1f)) & Vector256.IsInfinity(b));
        return Vector256.ConditionalSelect(one, Vector256<float>.One, r);
    }

    public static Vector512<float> Apply(Vector512<float> a, Vector512<float> b)
    {
        var (alo, ahi) = Vector512.Widen(Vector512.Abs(a));
        var (blo, bhi) = Vector512.Widen(b);
        var mag = Vector512.Narrow(Vector512.Exp(blo * Vector512.Log(alo)), Vector512.Exp(bhi * Vector512.Log(ahi)));
        var integral = Vector512.IsInteger(b);
        var half = b * Vector512.Create(0.5f);
        var odd = integral & ~Vector512.IsInteger(half);
        var r = Vector512.ConditionalSelect(Vector512.IsNegative(a) & odd, -mag, mag);
        var nan = Vector512.LessThan(a, Vector512<float>.Zero) & Vector512.IsFinite(a) & Vector512.IsFinite(b) & ~integral;
        r = Vector512.ConditionalSelect(nan, Vector512.Create(float.NaN), r);
        var one = Vector512.Equals(b, Vector512<float>.Zero) | Vector512.Equals(a, Vector512<float>.One)
            | (Vector512.Equals(a, Vector512.Create(-1f)) & Vector512.IsInfinity(b));
        return Vector512.ConditionalSelect(one, Vector512<float>.One, r);
    }
}

/// <summary>d(a^b)/da without the incoming gradient: b a^(b-1), and 0 where b = 0 (PyTorch's pow_backward_self).</summary>
internal struct PowGradBaseOp : IBinaryOp
{
    public static float Apply(float a, float b) => b == 0 ? 0f : b * PowOp.Apply(a, b - 1f);

    public static Vector256<float> Apply(Vector256<float> a, Vector256<float> b) =>
        Vector256.ConditionalSelect(Vector256.Equals(b, Vector256<float>.Zero), Vector256<float>.Zero, b * PowOp.Apply(a, b - Vector256<float>.One));

    public static Vector512<float> Apply(Vector512<float> a, Vector512<float> b) =>
        Vector512.ConditionalSelect(Vector512.Equals(b, Vector512<float>.Zero), Vector512<float>.Zero, b * PowOp.Apply(a, b - Vector512<float>.One));
}

/// <summary>
/// d(a^b)/db from y = a^b and a: y log(a), and 0 where a = 0 and b >= 0 (PyTorch's
/// pow_backward_exponent). At a = 0, b >= 0 is exactly when y is finite (0, or 1 for b = 0).
/// </summary>
internal struct PowGradExponentOp : IBinaryOp
{
    public static float Apply(float y, float a) => a == 0 && float.IsFinite(y) ? 0f : y * MathF.Log(a);

    public static Vector256<float> Apply(Vector256<float> y, Vector256<float> a) =>
        Vector256.ConditionalSelect(Vector256.Equals(a, Vector256<float>.Zero) & Vector256.IsFinite(y), Vector256<float>.Zero, y * Vector256.Log(a));

    public static Vector512<float> Apply(Vector512<float> y, Vector512<float> a) =>
        Vector512.ConditionalSelect(Vector512.Equals(a, Vector512<float>.Zero) & Vector512.IsFinite(y), Vector512<float>.Zero, y * Vector512.Log(a));
}

/// <summary>g / (2 sqrt(x)) from g and y = sqrt(x).</summary>
internal struct SqrtGradOp : IBinaryOp
{
    public static float Apply(float g, float y) => g / (2f * y);
    public static Vector256<float> Apply(Vector256<float> g, Vector256<float> y) => g / (y + y);
    public static Vector512<float> Apply(Vector512<float> g, Vector512<float> y) => g / (y + y);
}

/// <summary>-g y^3 / 2 from g and y = 1/sqrt(x).</summary>
internal struct RsqrtGradOp : IBinaryOp
{
    public static float Apply(float g, float y) => -0.5f * g * (y * y * y);
    public static Vector256<float> Apply(Vector256<float> g, Vector256<float> y) => Vector256.Create(-0.5f) * g * (y * y * y);
    public static Vector512<float> Apply(Vector512<float> g, Vector512<float> y) => Vector512.Create(-0.5f) * g * (y * y * y);
}

/// <summary>g sign(x), with sign(0) = 0.</summary>
internal struct AbsGradOp : IBinaryOp
{
    public static float Apply(float g, float x) => x > 0 ? g : x < 0 ? -g : 0f;

    public static Vector256<float> Apply(Vector256<float> g, Vector256<float> x) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), g,
            Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<float>.Zero), -g, Vector256<float>.Zero));

    public static Vector512<float> Apply(Vector512<float> g, Vector512<float> x) =>
        Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<float>.Zero), g,
            Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<float>.Zero), -g, Vector512<float>.Zero));
}

/// <summary>g 2/sqrt(pi) exp(-x^2).</summary>
internal struct ErfGradOp : IBinaryOp
{
    public static float Apply(float g, float x) => g * VectorMath.TwoOverSqrtPi * VectorMath.Exp(-(x * x));
    public static Vector256<float> Apply(Vector256<float> g, Vector256<float> x) => g * Vector256.Create(VectorMath.TwoOverSqrtPi) * VectorMath.Exp(-(x * x));
    public static Vector512<float> Apply(Vector512<float> g, Vector512<float> x) => g * Vector512.Create(VectorMath.TwoOverSqrtPi) * VectorMath.Exp(-(x * x));
}
