using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Vitrum.Tensors.Kernels;

/// <summary>
/// exp and erf at every vector width, written once per width with the same constants and the same
/// order of operations, so the scalar tail of a vector loop gives the bits the vector body would.
/// exp: range reduction by ln 2 and a degree-6 polynomial (~1.5 ulp). erf: as in oneDNN, a piecewise
/// polynomial picked per lane by a permute (no exp, no division): 16 degree-5 pieces of width 1/4 on
/// [0, 4), beyond which erf rounds to 1; max abs error ~6e-8. Coefficients: tools/kernels/fit_vector_math.py.
/// </summary>
internal static class VectorMath
{
    private const float Log2E = 1.44269504f;
    private const float Ln2Hi = 0.693147182f;
    private const float Ln2Lo = -1.90465432e-9f;
    // Below -104 exp underflows to 0 and above 89 it overflows to inf; clamping first keeps the
    // exponent arithmetic in range while letting the final products round to those limits.
    private const float ExpMin = -104f, ExpMax = 89f;
    private const float E0 = 1.0f, E1 = 1.0f, E2 = 0.49999991059303284f, E3 = 0.16666419804096222f, E4 = 0.04166822507977486f, E5 = 0.008374815806746483f, E6 = 0.001383680384606123f;

    // Row k holds the coefficient of u^k of each piece i, u = |x| - i/4 (the first piece has no
    // constant term, so erf keeps its relative accuracy near 0).
    private const int ErfDegree = 5;
    private const float ErfPiecesPerUnit = 4f, ErfPieceWidth = 0.25f, ErfCap = 4f;
    private static readonly float[] ErfTable =
    {
        0.0f, 0.27632638812065125f, 0.5204998850822449f, 0.7111556529998779f, 0.8427007794380188f, 0.9229001402854919f, 0.9661051630973816f, 0.9866716861724854f, 0.9953222870826721f, 0.9985373020172119f, 0.9995930194854736f, 0.9998993873596191f, 0.9999778866767883f, 0.9999957084655762f, 0.9999992847442627f, 0.9999998807907104f,
        1.1283791065216064f, 1.0600128173828125f, 0.8787813186645508f, 0.6429306864738464f, 0.41510799527168274f, 0.2365218698978424f, 0.11893078684806824f, 0.05277514457702637f, 0.020666927099227905f, 0.007142212707549334f, 0.0021782061085104942f, 0.0005862371763214469f, 0.00013923698861617595f, 2.9183776860008948e-05f, 5.397997028921964e-06f, 8.81102891980845e-07f,
        6.998024218773935e-06f, -0.2649364173412323f, -0.4393284320831299f, -0.4821796119213104f, -0.4151301085948944f, -0.29568642377853394f, -0.17841923236846924f, -0.09236359596252441f, -0.04133141040802002f, -0.016065256670117378f, -0.005442019551992416f, -0.0016103526577353477f, -0.00041698929271660745f, -9.46114887483418e-05f, -1.8828775864676572e-05f, -3.2893588013394037e-06f,
        -0.37633225321769714f, -0.31037139892578125f, -0.14758417010307312f, 0.0264369398355484f, 0.1387411504983902f, 0.1681363582611084f, 0.1391681432723999f, 0.09029094874858856f, 0.048182688653469086f, 0.02163989096879959f, 0.008286050520837307f, 0.0027269264683127403f, 0.0007755067199468613f, 0.0001913151645567268f, 4.105750485905446e-05f, 7.681567694817204e-06f,
        0.002024132991209626f, 0.13649427890777588f, 0.1921076625585556f, 0.1537674367427826f, 0.06650201976299286f, -0.010807601734995842f, -0.04792096093297005f, -0.04923052713274956f, -0.03417610749602318f, -0.018431631848216057f, -0.008116345852613449f, -0.0029896371997892857f, -0.0009340352262370288f, -0.0002497051900718361f, -5.746829992858693e-05f, -1.143530971603468e-05f,
        0.10594747960567474f, 0.04627620056271553f, -0.026581255719065666f, -0.06658229976892471f, -0.06106730177998543f, -0.030680544674396515f, -0.0023364999797195196f, 0.011307848617434502f, 0.01243716198951006f, 0.008361111395061016f, 0.004239057656377554f, 0.001729761017486453f, 0.0005853013135492802f, 0.00016697999672032893f, 4.0583534428151324e-05f, 8.462204277748242e-06f,
    };

    public const float TwoOverSqrtPi = 1.12837917f;
    public const float InvSqrt2 = 0.707106781f;
    public const float InvSqrt2Pi = 0.398942280f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Exp(float x)
    {
        x = Math.Clamp(x, ExpMin, ExpMax);
        float n = MathF.Round(x * Log2E);
        float r = MathF.FusedMultiplyAdd(n, -Ln2Hi, x);
        r = MathF.FusedMultiplyAdd(n, -Ln2Lo, r);
        float p = MathF.FusedMultiplyAdd(E6, r, E5);
        p = MathF.FusedMultiplyAdd(p, r, E4);
        p = MathF.FusedMultiplyAdd(p, r, E3);
        p = MathF.FusedMultiplyAdd(p, r, E2);
        p = MathF.FusedMultiplyAdd(p, r, E1);
        p = MathF.FusedMultiplyAdd(p, r, E0);
        // 2^n as two factors, so that n down to -150 (subnormal results) and up to 128 both work.
        int ni = (int)n, n1 = ni >> 1, n2 = ni - n1;
        return p * BitConverter.Int32BitsToSingle((n1 + 127) << 23) * BitConverter.Int32BitsToSingle((n2 + 127) << 23);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        x = Vector256.Min(Vector256.Max(x, Vector256.Create(ExpMin)), Vector256.Create(ExpMax));
        var n = Vector256.Round(x * Vector256.Create(Log2E));
        var r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Hi), x);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Lo), r);
        var p = Vector256.FusedMultiplyAdd(Vector256.Create(E6), r, Vector256.Create(E5));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(E4));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(E3));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(E2));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(E1));
        p = Vector256.FusedMultiplyAdd(p, r, Vector256.Create(E0));
        var ni = Vector256.ConvertToInt32Native(n);
        var n1 = Vector256.ShiftRightArithmetic(ni, 1);
        var bias = Vector256.Create(127);
        var s1 = Vector256.ShiftLeft(n1 + bias, 23).AsSingle();
        var s2 = Vector256.ShiftLeft(ni - n1 + bias, 23).AsSingle();
        return p * s1 * s2;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x)
    {
        x = Vector512.Min(Vector512.Max(x, Vector512.Create(ExpMin)), Vector512.Create(ExpMax));
        var n = Vector512.Round(x * Vector512.Create(Log2E));
        var r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Hi), x);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Lo), r);
        var p = Vector512.FusedMultiplyAdd(Vector512.Create(E6), r, Vector512.Create(E5));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(E4));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(E3));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(E2));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(E1));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(E0));
        var ni = Vector512.ConvertToInt32Native(n);
        var n1 = Vector512.ShiftRightArithmetic(ni, 1);
        var bias = Vector512.Create(127);
        var s1 = Vector512.ShiftLeft(n1 + bias, 23).AsSingle();
        var s2 = Vector512.ShiftLeft(ni - n1 + bias, 23).AsSingle();
        return p * s1 * s2;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Erf(float x)
    {
        // NaN stays NaN through Min and the polynomial; its piece index does not matter.
        float t = MathF.Min(MathF.Abs(x), ErfCap);
        int i = Math.Min((int)(t * ErfPiecesPerUnit), 15);
        float u = t - i * ErfPieceWidth;
        ref float c = ref MemoryMarshal.GetArrayDataReference(ErfTable);
        float p = Unsafe.Add(ref c, ErfDegree * 16 + i);
        for (int k = ErfDegree - 1; k >= 0; k--) p = MathF.FusedMultiplyAdd(p, u, Unsafe.Add(ref c, k * 16 + i));
        return MathF.CopySign(p, x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Erf(Vector256<float> x)
    {
        var t = Vector256.Min(Vector256.Abs(x), Vector256.Create(ErfCap));
        var i = Vector256.Min(Vector256.ConvertToInt32Native(t * Vector256.Create(ErfPiecesPerUnit)), Vector256.Create(15));
        var u = t - Vector256.ConvertToSingle(i) * Vector256.Create(ErfPieceWidth);
        // An 8-lane permute reaches half of the 16 pieces: look up both halves and keep the right one.
        var upper = Vector256.GreaterThan(i, Vector256.Create(7)).AsSingle();
        ref float c = ref MemoryMarshal.GetArrayDataReference(ErfTable);
        var p = Lookup(ref c, ErfDegree, i, upper);
        for (int k = ErfDegree - 1; k >= 0; k--) p = Vector256.FusedMultiplyAdd(p, u, Lookup(ref c, k, i, upper));
        return p | (x & Vector256.Create(-0f));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Lookup(ref float table, int k, Vector256<int> i, Vector256<float> upper) =>
        Vector256.ConditionalSelect(upper,
            Avx2.PermuteVar8x32(Vector256.LoadUnsafe(ref table, (nuint)(k * 16 + 8)), i),
            Avx2.PermuteVar8x32(Vector256.LoadUnsafe(ref table, (nuint)(k * 16)), i));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Erf(Vector512<float> x)
    {
        var t = Vector512.Min(Vector512.Abs(x), Vector512.Create(ErfCap));
        var i = Vector512.Min(Vector512.ConvertToInt32Native(t * Vector512.Create(ErfPiecesPerUnit)), Vector512.Create(15));
        var u = t - Vector512.ConvertToSingle(i) * Vector512.Create(ErfPieceWidth);
        ref float c = ref MemoryMarshal.GetArrayDataReference(ErfTable);
        var p = Avx512F.PermuteVar16x32(Vector512.LoadUnsafe(ref c, ErfDegree * 16), i);
        for (int k = ErfDegree - 1; k >= 0; k--)
            p = Vector512.FusedMultiplyAdd(p, u, Avx512F.PermuteVar16x32(Vector512.LoadUnsafe(ref c, (nuint)(k * 16)), i));
        // p >= 0 on [0, 4], so or-ing in the sign of x gives erf(-t) = -erf(t).
        return p | (x & Vector512.Create(-0f));
    }
}
