using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Vitrum.Tensors.Kernels;

/// <summary>
/// The handful of lane operations the fused attention kernels need, at one vector width. The kernels
/// are generic over it, so one source serves the Avx512 (16 lanes), Avx2 (8 lanes) and scalar (1 lane)
/// paths; the JIT specializes each instantiation, so the abstraction costs nothing at run time.
/// </summary>
internal unsafe interface IFlashVec<TV> where TV : struct
{
    static abstract int Width { get; }
    static abstract TV Zero { get; }
    static abstract TV Splat(float x);
    static abstract TV Load(float* p);
    static abstract void Store(float* p, TV v);
    static abstract TV Add(TV a, TV b);
    static abstract TV Sub(TV a, TV b);
    static abstract TV Mul(TV a, TV b);

    /// <summary>a * b + c.</summary>
    static abstract TV MulAdd(TV a, TV b, TV c);

    static abstract TV Max(TV a, TV b);
    static abstract TV Min(TV a, TV b);
    static abstract TV Round(TV x);

    /// <summary>2^n for lanes holding integers in [-126, 127].</summary>
    static abstract TV Pow2(TV n);

    /// <summary>Lanes of <paramref name="value"/> where x >= limit, 0 elsewhere (and where x is NaN).</summary>
    static abstract TV ZeroBelow(TV value, TV x, TV limit);

    static abstract float SumLanes(TV v);
    static abstract float MaxLanes(TV v);
}

internal unsafe struct FlashVec512 : IFlashVec<Vector512<float>>
{
    public static int Width => 16;
    public static Vector512<float> Zero => Vector512<float>.Zero;
    public static Vector512<float> Splat(float x) => Vector512.Create(x);
    public static Vector512<float> Load(float* p) => Vector512.Load(p);
    public static void Store(float* p, Vector512<float> v) => v.Store(p);
    public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;
    public static Vector512<float> Sub(Vector512<float> a, Vector512<float> b) => a - b;
    public static Vector512<float> Mul(Vector512<float> a, Vector512<float> b) => a * b;
    public static Vector512<float> MulAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Avx512F.FusedMultiplyAdd(a, b, c);
    public static Vector512<float> Max(Vector512<float> a, Vector512<float> b) => Avx512F.Max(a, b);
    public static Vector512<float> Min(Vector512<float> a, Vector512<float> b) => Avx512F.Min(a, b);
    public static Vector512<float> Round(Vector512<float> x) => Avx512F.RoundScale(x, 0);
    public static Vector512<float> Pow2(Vector512<float> n) => ((Avx512F.ConvertToVector512Int32(n) + Vector512.Create(127)) << 23).AsSingle();
    public static Vector512<float> ZeroBelow(Vector512<float> value, Vector512<float> x, Vector512<float> limit) =>
        value & Vector512.GreaterThanOrEqual(x, limit);
    public static float SumLanes(Vector512<float> v) => Vector512.Sum(v);
    public static float MaxLanes(Vector512<float> v)
    {
        var m = Avx.Max(v.GetLower(), v.GetUpper());
        return FlashVec256.MaxLanes(m);
    }
}

internal unsafe struct FlashVec256 : IFlashVec<Vector256<float>>
{
    public static int Width => 8;
    public static Vector256<float> Zero => Vector256<float>.Zero;
    public static Vector256<float> Splat(float x) => Vector256.Create(x);
    public static Vector256<float> Load(float* p) => Vector256.Load(p);
    public static void Store(float* p, Vector256<float> v) => v.Store(p);
    public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;
    public static Vector256<float> Sub(Vector256<float> a, Vector256<float> b) => a - b;
    public static Vector256<float> Mul(Vector256<float> a, Vector256<float> b) => a * b;
    public static Vector256<float> MulAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Fma.MultiplyAdd(a, b, c);
    public static Vector256<float> Max(Vector256<float> a, Vector256<float> b) => Avx.Max(a, b);
    public static Vector256<float> Min(Vector256<float> a, Vector256<float> b) => Avx.Min(a, b);
    public static Vector256<float> Round(Vector256<float> x) => Avx.RoundToNearestInteger(x);
    public static Vector256<float> Pow2(Vector256<float> n) => ((Avx.ConvertToVector256Int32(n) + Vector256.Create(127)) << 23).AsSingle();
    public static Vector256<float> ZeroBelow(Vector256<float> value, Vector256<float> x, Vector256<float> limit) =>
        value & Vector256.GreaterThanOrEqual(x, limit);
    public static float SumLanes(Vector256<float> v) => Vector256.Sum(v);
    public static float MaxLanes(Vector256<float> v)
    {
        var m = Sse.Max(v.GetLower(), v.GetUpper());
        m = Sse.Max(m, Sse.MoveHighToLow(m, m));
        m = Sse.Max(m, Sse.Shuffle(m, m, 0b01));
        return m.ToScalar();
    }
}

internal unsafe struct FlashVecScalar : IFlashVec<float>
{
    public static int Width => 1;
    public static float Zero => 0f;
    public static float Splat(float x) => x;
    public static float Load(float* p) => *p;
    public static void Store(float* p, float v) => *p = v;
    public static float Add(float a, float b) => a + b;
    public static float Sub(float a, float b) => a - b;
    public static float Mul(float a, float b) => a * b;
    public static float MulAdd(float a, float b, float c) => MathF.FusedMultiplyAdd(a, b, c);
    public static float Max(float a, float b) => MathF.Max(a, b);
    public static float Min(float a, float b) => MathF.Min(a, b);
    public static float Round(float x) => MathF.Round(x);
    public static float Pow2(float n) => BitConverter.Int32BitsToSingle(((int)n + 127) << 23);
    public static float ZeroBelow(float value, float x, float limit) => x >= limit ? value : 0f;
    public static float SumLanes(float v) => v;
    public static float MaxLanes(float v) => v;
}

/// <summary>Math built from <see cref="IFlashVec{TV}"/> operations, identical at every width.</summary>
internal static class FlashMath
{
    // exp(x) underflows below this; the kernels rely on exp(-inf) and exp(very negative) being exactly 0.
    private const float ExpLow = -87.3f;
    private const float ExpHigh = 88.3f;

    /// <summary>
    /// exp(x) to about 1e-7 relative error: x = n ln2 + r with |r| &lt;= ln2/2 (ln2 split in two for an
    /// exact reduction), Cephes' degree-6 polynomial for e^r, and 2^n built in the exponent bits.
    /// Inputs below -87.3 (including -inf) give exactly 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Exp<TV, TOps>(TV x) where TV : struct where TOps : IFlashVec<TV>
    {
        var low = TOps.Splat(ExpLow);
        var xc = TOps.Min(TOps.Max(x, low), TOps.Splat(ExpHigh));
        var n = TOps.Round(TOps.Mul(xc, TOps.Splat(1.44269504088896341f)));
        var r = TOps.MulAdd(n, TOps.Splat(-0.693359375f), xc);
        r = TOps.MulAdd(n, TOps.Splat(2.12194440e-4f), r);
        var p = TOps.Splat(1.9875691500e-4f);
        p = TOps.MulAdd(p, r, TOps.Splat(1.3981999507e-3f));
        p = TOps.MulAdd(p, r, TOps.Splat(8.3334519073e-3f));
        p = TOps.MulAdd(p, r, TOps.Splat(4.1665795894e-2f));
        p = TOps.MulAdd(p, r, TOps.Splat(1.6666665459e-1f));
        p = TOps.MulAdd(p, r, TOps.Splat(5.0000001201e-1f));
        p = TOps.MulAdd(p, TOps.Mul(r, r), TOps.Add(r, TOps.Splat(1f)));
        return TOps.ZeroBelow(TOps.Mul(p, TOps.Pow2(n)), x, low);
    }
}
