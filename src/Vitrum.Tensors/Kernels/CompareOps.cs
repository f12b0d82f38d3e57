using System.Runtime.Intrinsics;

namespace Vitrum.Tensors.Kernels;

// Comparisons give 1 or 0 (as float, converted to Int64 by Ops.Compare); masks select gradients.
// A comparison with NaN is false, except "not equal", as in IEEE and PyTorch.

internal struct EqOp : IBinaryOp
{
    public static float Apply(float a, float b) => a == b ? 1f : 0f;
    public static Vector256<float> Apply(Vector256<float> a, Vector256<float> b) => Vector256.Equals(a, b) & Vector256<float>.One;
    public static Vector512<float> Apply(Vector512<float> a, Vector512<float> b) => Vector512.Equals(a, b) & Vector512<float>.One;
}

internal struct NeOp : IBinaryOp
{
    public static float Apply(float a, float b) => a != b ? 1f : 0f;
    public static Vector256<float> Apply(Vector256<float> a, Vector256<float> b) => Vector256.AndNot(Vector256<float>.One, Vector256.Equals(a, b));
    public static Vector512<float> Apply(Vector512<float> a, Vector512<float> b) => Vector512.AndNot(Vector512<float>.One, Vector512.Equals(a, b));
}

internal struct GtOp : IBinaryOp
{
    public static float Apply(float a, float b) => a > b ? 1f : 0f;
    public static Vector256<float> Apply(Vector256<float> a, Vector256<float> b) => Vector256.GreaterThan(a, b) & Vector256<float>.One;
    public static Vector512<float> Apply(Vector512<float> a, Vector512<float> b) => Vector512.GreaterThan(a, b) & Vector512<float>.One;
}

internal struct GeOp : IBinaryOp
{
    public static float Apply(float a, float b) => a >= b ? 1f : 0f;
    public static Vector256<float> Apply(Vector256<float> a, Vector256<float> b) => Vector256.GreaterThanOrEqual(a, b) & Vector256<float>.One;
    public static Vector512<float> Apply(Vector512<float> a, Vector512<float> b) => Vector512.GreaterThanOrEqual(a, b) & Vector512<float>.One;
}

internal struct LtOp : IBinaryOp
{
    public static float Apply(float a, float b) => a < b ? 1f : 0f;
    public static Vector256<float> Apply(Vector256<float> a, Vector256<float> b) => Vector256.LessThan(a, b) & Vector256<float>.One;
    public static Vector512<float> Apply(Vector512<float> a, Vector512<float> b) => Vector512.LessThan(a, b) & Vector512<float>.One;
}

internal struct LeOp : IBinaryOp
{
    public static float Apply(float a, float b) => a <= b ? 1f : 0f;
    public static Vector256<float> Apply(Vector256<float> a, Vector256<float> b) => Vector256.LessThanOrEqual(a, b) & Vector256<float>.One;
    public static Vector512<float> Apply(Vector512<float> a, Vector512<float> b) => Vector512.LessThanOrEqual(a, b) & Vector512<float>.One;
}

/// <summary>g where m is nonzero, else 0 (a selection, so inf or NaN in g do not leak through as NaN).</summary>
internal struct MaskKeepOp : IBinaryOp
{
    public static float Apply(float g, float m) => m != 0 ? g : 0f;
    public static Vector256<float> Apply(Vector256<float> g, Vector256<float> m) => Vector256.AndNot(g, Vector256.Equals(m, Vector256<float>.Zero));
    public static Vector512<float> Apply(Vector512<float> g, Vector512<float> m) => Vector512.AndNot(g, Vector512.Equals(m, Vector512<float>.Zero));
}

/// <summary>g where m is zero, else 0.</summary>
internal struct MaskDropOp : IBinaryOp
{
    public static float Apply(float g, float m) => m == 0 ? g : 0f;
    public static Vector256<float> Apply(Vector256<float> g, Vector256<float> m) => Vector256.Equals(m, Vector256<float>.Zero) & g;
    public static Vector512<float> Apply(Vector512<float> g, Vector512<float> m) => Vector512.Equals(m, Vector512<float>.Zero) & g;
}

/// <summary>
/// The share of the gradient that maximum(x, y) passes to x: 1 where x wins, 1/2 on a tie, 0 where
/// it loses (PyTorch splits ties evenly; with a NaN both sides get all of it). minimum(x, y) passes
/// SelectionWeight(y, x) to x.
/// </summary>
internal struct SelectionWeightOp : IBinaryOp
{
    public static float Apply(float x, float y) => x < y ? 0f : x == y ? 0.5f : 1f;

    public static Vector256<float> Apply(Vector256<float> x, Vector256<float> y) =>
        Vector256.AndNot(Vector256.ConditionalSelect(Vector256.Equals(x, y), Vector256.Create(0.5f), Vector256<float>.One), Vector256.LessThan(x, y));

    public static Vector512<float> Apply(Vector512<float> x, Vector512<float> y) =>
        Vector512.AndNot(Vector512.ConditionalSelect(Vector512.Equals(x, y), Vector512.Create(0.5f), Vector512<float>.One), Vector512.LessThan(x, y));
}

/// <summary>The body of Where: d[i] = m[i] != 0 ? a[i*sa] : b[i*sb], with strides 0 (a scalar) or 1.</summary>
internal static unsafe class SelectKernel
{
    public static void Run(float* m, float* a, int sa, float* b, int sb, float* d, int n)
    {
        int i = 0;
        var level = Simd.Level;
        if (level == SimdLevel.Avx512)
        {
            for (; i <= n - 16; i += 16)
            {
                var va = sa == 1 ? Vector512.Load(a + i) : Vector512.Create(*a);
                var vb = sb == 1 ? Vector512.Load(b + i) : Vector512.Create(*b);
                Vector512.ConditionalSelect(Vector512.Equals(Vector512.Load(m + i), Vector512<float>.Zero), vb, va).Store(d + i);
            }
        }
        else if (level == SimdLevel.Avx2)
        {
            for (; i <= n - 8; i += 8)
            {
                var va = sa == 1 ? Vector256.Load(a + i) : Vector256.Create(*a);
                var vb = sb == 1 ? Vector256.Load(b + i) : Vector256.Create(*b);
                Vector256.ConditionalSelect(Vector256.Equals(Vector256.Load(m + i), Vector256<float>.Zero), vb, va).Store(d + i);
            }
        }
        for (; i < n; i++) d[i] = m[i] != 0 ? a[i * sa] : b[i * sb];
    }
}
