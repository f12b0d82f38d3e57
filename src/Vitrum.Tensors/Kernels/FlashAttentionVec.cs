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

    /// <summary>x * 2^n for lanes of n holding integers in [-126, 127].</summary>
    static abstract TV ScaleByPow2(TV x, TV n);

    /// <summary>Lanes of <paramref name="value"/> where x >= limit, 0 elsewhere (and where x is NaN).</summary>
    static abstract TV ZeroBelow(TV value, TV x, TV limit);

    static abstract float SumLanes(TV v);
    static abstract float MaxLanes(TV v);

    /// <summary>All bits set in the first min(count, Width) lanes, clear in the rest (count >= 1).</summary>
    static abstract TV TailMask(int count);

    /// <summary>The lanes of p selected by mask, 0 elsewhere; memory outside the mask is not touched.</summary>
    static abstract TV LoadMasked(float* p, TV mask);

    static abstract void StoreMasked(float* p, TV v, TV mask);

    /// <summary>a where mask is set, b elsewhere.</summary>
    static abstract TV Select(TV mask, TV a, TV b);
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
    public static Vector512<float> ScaleByPow2(Vector512<float> x, Vector512<float> n) => Avx512F.Scale(x, n);
    public static Vector512<float> ZeroBelow(Vector512<float> value, Vector512<float> x, Vector512<float> limit) =>
        value & Vector512.GreaterThanOrEqual(x, limit);
    public static float SumLanes(Vector512<float> v) => Vector512.Sum(v);
    public static float MaxLanes(Vector512<float> v)
    {
        var m = Avx.Max(v.GetLower(), v.GetUpper());
        return FlashVec256.MaxLanes(m);
    }

    public static Vector512<float> TailMask(int count) =>
        Vector512.LessThan(Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), Vector512.Create(count)).AsSingle();

    public static Vector512<float> LoadMasked(float* p, Vector512<float> mask) => Avx512F.MaskLoad(p, mask, Vector512<float>.Zero);
    public static void StoreMasked(float* p, Vector512<float> v, Vector512<float> mask) => Avx512F.MaskStore(p, mask, v);
    public static Vector512<float> Select(Vector512<float> mask, Vector512<float> a, Vector512<float> b) => Vector512.ConditionalSelect(mask, a, b);
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
    public static Vector256<float> ScaleByPow2(Vector256<float> x, Vector256<float> n) =>
        x * ((Avx.ConvertToVector256Int32(n) + Vector256.Create(127)) << 23).AsSingle();
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

    public static Vector256<float> TailMask(int count) =>
        Vector256.LessThan(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(count)).AsSingle();

    public static Vector256<float> LoadMasked(float* p, Vector256<float> mask) => Avx.MaskLoad(p, mask);
    public static void StoreMasked(float* p, Vector256<float> v, Vector256<float> mask) => Avx.MaskStore(p, mask, v);
    public static Vector256<float> Select(Vector256<float> mask, Vector256<float> a, Vector256<float> b) => Vector256.ConditionalSelect(mask, a, b);
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
    public static float ScaleByPow2(float x, float n) => x * BitConverter.Int32BitsToSingle(((int)n + 127) << 23);
    public static float ZeroBelow(float value, float x, float limit) => x >= limit ? value : 0f;
    public static float SumLanes(float v) => v;
    public static float MaxLanes(float v) => v;

    // One lane: a loop that runs while lanes remain always has its single lane selected.
    public static float TailMask(int count) => BitConverter.Int32BitsToSingle(-1);
    public static float LoadMasked(float* p, float mask) => *p;
    public static void StoreMasked(float* p, float v, float mask) => *p = v;
    public static float Select(float mask, float a, float b) => BitConverter.SingleToInt32Bits(mask) != 0 ? a : b;
}

/// <summary>Math built from <see cref="IFlashVec{TV}"/> operations, identical at every width.</summary>
internal static class FlashMath
{
    // exp(x) underflows below this; the kernels rely on exp(-inf) and exp(very negative) being exactly 0.
    private const float ExpLow = -87.3f;
    private const float ExpHigh = 88.3f;

    /// <summary>
    /// exp(x) to about 1e-7 relative error: x = n ln2 + r with |r| &lt;= ln2/2 (ln2 split in two for an
    /// exact reduction), Cephes' degree-6 polynomial for e^r, and 2^n applied by vscalefps (or built in the exponent bits).
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
        return TOps.ZeroBelow(TOps.ScaleByPow2(p, n), x, low);
    }
}
