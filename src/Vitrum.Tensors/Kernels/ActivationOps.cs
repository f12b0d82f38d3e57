using System.Runtime.Intrinsics;

namespace Vitrum.Tensors.Kernels;

// Operator structs of the activations (Ops.Activations.cs) and of their backward rules. Backward
// structs take (gradient, saved value): the output y where the derivative is a function of it (relu,
// tanh, sigmoid), the input x otherwise.

/// <summary>max(x, 0) that keeps NaN (PyTorch's relu propagates it).</summary>
internal struct ReluOp : IUnaryOp
{
    public static float Apply(float x) => x < 0 ? 0f : x;
    public static Vector256<float> Apply(Vector256<float> x) => Vector256.AndNot(x, Vector256.LessThan(x, Vector256<float>.Zero));
    public static Vector512<float> Apply(Vector512<float> x) => Vector512.AndNot(x, Vector512.LessThan(x, Vector512<float>.Zero));
}

/// <summary>g where y = relu(x) > 0 (PyTorch's threshold_backward on the result).</summary>
internal struct ReluGradOp : IBinaryOp
{
    public static float Apply(float g, float y) => y > 0 ? g : 0f;
    public static Vector256<float> Apply(Vector256<float> g, Vector256<float> y) => Vector256.GreaterThan(y, Vector256<float>.Zero) & g;
    public static Vector512<float> Apply(Vector512<float> g, Vector512<float> y) => Vector512.GreaterThan(y, Vector512<float>.Zero) & g;
}

/// <summary>g (1 - y^2) from y = tanh(x).</summary>
internal struct TanhGradOp : IBinaryOp
{
    public static float Apply(float g, float y) => g * (1f - y * y);
    public static Vector256<float> Apply(Vector256<float> g, Vector256<float> y) => g * (Vector256<float>.One - y * y);
    public static Vector512<float> Apply(Vector512<float> g, Vector512<float> y) => g * (Vector512<float>.One - y * y);
}

/// <summary>g y (1 - y) from y = sigmoid(x).</summary>
internal struct SigmoidGradOp : IBinaryOp
{
    public static float Apply(float g, float y) => g * ((1f - y) * y);
    public static Vector256<float> Apply(Vector256<float> g, Vector256<float> y) => g * ((Vector256<float>.One - y) * y);
    public static Vector512<float> Apply(Vector512<float> g, Vector512<float> y) => g * ((Vector512<float>.One - y) * y);
}

/// <summary>x sigmoid(x) = x / (1 + exp(-x)); exp overflowing to inf gives the right limit -0.</summary>
internal struct SiluOp : IUnaryOp
{
    public static float Apply(float x) => x / (1f + VectorMath.Exp(-x));
    public static Vector256<float> Apply(Vector256<float> x) => x / (Vector256<float>.One + VectorMath.Exp(-x));
    public static Vector512<float> Apply(Vector512<float> x) => x / (Vector512<float>.One + VectorMath.Exp(-x));
}

/// <summary>g s (1 + x (1 - s)) with s = sigmoid(x), PyTorch's silu_backward.</summary>
internal struct SiluGradOp : IBinaryOp
{
    public static float Apply(float g, float x)
    {
        float s = 1f / (1f + VectorMath.Exp(-x));
        return g * s * (1f + x * (1f - s));
    }

    public static Vector256<float> Apply(Vector256<float> g, Vector256<float> x)
    {
        var one = Vector256<float>.One;
        var s = one / (one + VectorMath.Exp(-x));
        return g * s * (one + x * (one - s));
    }

    public static Vector512<float> Apply(Vector512<float> g, Vector512<float> x)
    {
        var one = Vector512<float>.One;
        var s = one / (one + VectorMath.Exp(-x));
        return g * s * (one + x * (one - s));
    }
}

/// <summary>
/// The exact GELU x Phi(x) = x/2 (1 + erf(x / sqrt 2)), torch.nn.GELU's default, evaluated as
/// fma(x/2, erf, x/2) so that only erf's error and one rounding remain.
/// </summary>
internal struct GeluOp : IUnaryOp
{
    public static float Apply(float x)
    {
        float h = 0.5f * x;
        return MathF.FusedMultiplyAdd(h, VectorMath.Erf(x * VectorMath.InvSqrt2), h);
    }

    public static Vector256<float> Apply(Vector256<float> x)
    {
        var h = Vector256.Create(0.5f) * x;
        return Vector256.FusedMultiplyAdd(h, VectorMath.Erf(x * Vector256.Create(VectorMath.InvSqrt2)), h);
    }

    public static Vector512<float> Apply(Vector512<float> x)
    {
        var h = Vector512.Create(0.5f) * x;
        return Vector512.FusedMultiplyAdd(h, VectorMath.Erf(x * Vector512.Create(VectorMath.InvSqrt2)), h);
    }
}

/// <summary>g (Phi(x) + x phi(x)), the derivative of x Phi(x), with phi the standard normal density.</summary>
internal struct GeluGradOp : IBinaryOp
{
    public static float Apply(float g, float x)
    {
        float cdf = 0.5f * (1f + VectorMath.Erf(x * VectorMath.InvSqrt2));
        float pdf = VectorMath.InvSqrt2Pi * VectorMath.Exp(-0.5f * x * x);
        return g * (cdf + x * pdf);
    }

    public static Vector256<float> Apply(Vector256<float> g, Vector256<float> x)
    {
        var half = Vector256.Create(0.5f);
        var cdf = half * (Vector256<float>.One + VectorMath.Erf(x * Vector256.Create(VectorMath.InvSqrt2)));
        var pdf = Vector256.Create(VectorMath.InvSqrt2Pi) * VectorMath.Exp(-half * x * x);
        return g * (cdf + x * pdf);
    }

    public static Vector512<float> Apply(Vector512<float> g, Vector512<float> x)
    {
        var half = Vector512.Create(0.5f);
        var cdf = half * (Vector512<float>.One + VectorMath.Erf(x * Vector512.Create(VectorMath.InvSqrt2)));
        var pdf = Vector512.Create(VectorMath.InvSqrt2Pi) * VectorMath.Exp(-half * x * x);
        return g * (cdf + x * pdf);
    }
}

/// <summary>
/// GELU with approximate="tanh": x/2 (1 + tanh(u)), u = sqrt(2/pi) (x + 0.044715 x^3), evaluated as
/// x sigmoid(2u) = x / (1 + exp(-2u)), the same function without tanh's cancellation near 1.
/// </summary>
internal struct GeluTanhOp : IUnaryOp
{
    internal const float Beta = 0.797884561f;
    internal const float Kappa = 0.044715f;

    public static float Apply(float x) => x / (1f + VectorMath.Exp(-2f * Beta * (x + Kappa * x * x * x)));

    public static Vector256<float> Apply(Vector256<float> x) =>
        x / (Vector256<float>.One + VectorMath.Exp(Vector256.Create(-2f * Beta) * (x + Vector256.Create(Kappa) * x * x * x)));

    public static Vector512<float> Apply(Vector512<float> x) =>
        x / (Vector512<float>.One + VectorMath.Exp(Vector512.Create(-2f * Beta) * (x + Vector512.Create(Kappa) * x * x * x)));
}

/// <summary>
/// Derivative of the tanh GELU. With s = sigmoid(2u): 1/2 (1 + tanh u) = s and 1 - tanh^2 u = 4 s (1 - s),
/// so d/dx = s + 2 x s (1 - s) u'(x), u' = sqrt(2/pi) (1 + 3 * 0.044715 x^2).
/// </summary>
internal struct GeluTanhGradOp : IBinaryOp
{
    public static float Apply(float g, float x)
    {
        float x2 = x * x;
        float s = 1f / (1f + VectorMath.Exp(-2f * GeluTanhOp.Beta * (x + GeluTanhOp.Kappa * x2 * x)));
        float du = GeluTanhOp.Beta * (1f + 3f * GeluTanhOp.Kappa * x2);
        return g * (s + 2f * x * s * (1f - s) * du);
    }

    public static Vector256<float> Apply(Vector256<float> g, Vector256<float> x)
    {
        var one = Vector256<float>.One;
        var x2 = x * x;
        var s = one / (one + VectorMath.Exp(Vector256.Create(-2f * GeluTanhOp.Beta) * (x + Vector256.Create(GeluTanhOp.Kappa) * x2 * x)));
        var du = Vector256.Create(GeluTanhOp.Beta) * (one + Vector256.Create(3f * GeluTanhOp.Kappa) * x2);
        return g * (s + Vector256.Create(2f) * x * s * (one - s) * du);
    }

    public static Vector512<float> Apply(Vector512<float> g, Vector512<float> x)
    {
        var one = Vector512<float>.One;
        var x2 = x * x;
        var s = one / (one + VectorMath.Exp(Vector512.Create(-2f * GeluTanhOp.Beta) * (x + Vector512.Create(GeluTanhOp.Kappa) * x2 * x)));
        var du = Vector512.Create(GeluTanhOp.Beta) * (one + Vector512.Create(3f * GeluTanhOp.Kappa) * x2);
        return g * (s + Vector512.Create(2f) * x * s * (one - s) * du);
    }
}
