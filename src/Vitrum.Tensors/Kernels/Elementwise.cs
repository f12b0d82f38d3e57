using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Vitrum.Tensors.Kernels;

/// <summary>An elementwise binary operator at every vector width (the TensorPrimitives operator-struct shape).</summary>
internal interface IBinaryOp
{
    static abstract float Apply(float a, float b);
    static abstract Vector256<float> Apply(Vector256<float> a, Vector256<float> b);
    static abstract Vector512<float> Apply(Vector512<float> a, Vector512<float> b);
}

internal interface IUnaryOp
{
    static abstract float Apply(float x);
    static abstract Vector256<float> Apply(Vector256<float> x);
    static abstract Vector512<float> Apply(Vector512<float> x);
}

internal struct AddOp : IBinaryOp
{
    public static float Apply(float a, float b) => a + b;
    public static Vector256<float> Apply(Vector256<float> a, Vector256<float> b) => a + b;
    public static Vector512<float> Apply(Vector512<float> a, Vector512<float> b) => a + b;
}

internal struct SubOp : IBinaryOp
{
    public static float Apply(float a, float b) => a - b;
    public static Vector256<float> Apply(Vector256<float> a, Vector256<float> b) => a - b;
    public static Vector512<float> Apply(Vector512<float> a, Vector512<float> b) => a - b;
}

internal struct MulOp : IBinaryOp
{
    public static float Apply(float a, float b) => a * b;
    public static Vector256<float> Apply(Vector256<float> a, Vector256<float> b) => a * b;
    public static Vector512<float> Apply(Vector512<float> a, Vector512<float> b) => a * b;
}

internal struct DivOp : IBinaryOp
{
    public static float Apply(float a, float b) => a / b;
    public static Vector256<float> Apply(Vector256<float> a, Vector256<float> b) => a / b;
    public static Vector512<float> Apply(Vector512<float> a, Vector512<float> b) => a / b;
}

internal struct MaxOp : IBinaryOp
{
    public static float Apply(float a, float b) => MathF.Max(a, b);
    public static Vector256<float> Apply(Vector256<float> a, Vector256<float> b) => Vector256.Max(a, b);
    public static Vector512<float> Apply(Vector512<float> a, Vector512<float> b) => Vector512.Max(a, b);
}

internal struct MinOp : IBinaryOp
{
    public static float Apply(float a, float b) => MathF.Min(a, b);
    public static Vector256<float> Apply(Vector256<float> a, Vector256<float> b) => Vector256.Min(a, b);
    public static Vector512<float> Apply(Vector512<float> a, Vector512<float> b) => Vector512.Min(a, b);
}

/// <summary>Runs of elementwise work: the inner loop of every broadcast op.</summary>
internal static unsafe class Elementwise
{
    /// <summary>d[i] = op(a[i*sa], b[i*sb]) for i in [0, n); strides 0 and 1 are vectorized.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Binary<TOp>(float* a, int sa, float* b, int sb, float* d, int n) where TOp : IBinaryOp
    {
        int i = 0;
        var level = Simd.Level;
        if ((sa | sb) <= 1)
        {
            if (level == SimdLevel.Avx512)
            {
                for (; i <= n - 16; i += 16)
                {
                    var va = sa == 1 ? Vector512.Load(a + i) : Vector512.Create(*a);
                    var vb = sb == 1 ? Vector512.Load(b + i) : Vector512.Create(*b);
                    TOp.Apply(va, vb).Store(d + i);
                }
            }
            else if (level == SimdLevel.Avx2)
            {
                for (; i <= n - 8; i += 8)
                {
                    var va = sa == 1 ? Vector256.Load(a + i) : Vector256.Create(*a);
                    var vb = sb == 1 ? Vector256.Load(b + i) : Vector256.Create(*b);
                    TOp.Apply(va, vb).Store(d + i);
                }
            }
        }
        for (; i < n; i++) d[i] = TOp.Apply(a[i * sa], b[i * sb]);
    }

    /// <summary>d[i] = op(x[i]) over a contiguous run.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Unary<TOp>(float* x, float* d, int n) where TOp : IUnaryOp
    {
        int i = 0;
        var level = Simd.Level;
        if (level == SimdLevel.Avx512)
            for (; i <= n - 16; i += 16) TOp.Apply(Vector512.Load(x + i)).Store(d + i);
        else if (level == SimdLevel.Avx2)
            for (; i <= n - 8; i += 8) TOp.Apply(Vector256.Load(x + i)).Store(d + i);
        for (; i < n; i++) d[i] = TOp.Apply(x[i]);
    }
}
