using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Vitrum.Tensors.Kernels;

/// <summary>
/// exp and erf at every vector width, written once per width with the same constants and the same
/// order of operations, so the scalar tail of a vector loop gives the bits the vector body would.
/// exp: range reduction by ln 2 and a degree-6 polynomial (~1.5 ulp). erf: x P(x^2) below |x| = 1 and
/// 1 - exp(-x^2) R(|x|) above (both fitted with tools/fixtures/fit_erf.py), max abs error ~1e-7.
/// </summary>
internal static class VectorMath
{
    private const float Log2E = 1.44269504f;
    private const float Ln2Hi = 0.693147182f;
    private const float Ln2Lo = -1.90465432e-9f;
    // Below -104 exp underflows to 0 and above 89 it overflows to inf; clamping first keeps the
    // exponent arithmetic in range while letting the final products round to those limits.
    private const float ExpMin = -104f, ExpMax = 89f;
    private const float E0 = 1f, E1 = 1f, E2 = 0.49999991f, E3 = 0.166664198f, E4 = 0.0416682251f, E5 = 0.00837481581f, E6 = 0.00138368038f;

    // erf(x) / x as a polynomial in s = x^2 on [0, 1].
    private const float S0 = 1.12837911f, S1 = -0.37612325f, S2 = 0.112801798f, S3 = -0.0267113037f, S4 = 0.00491754292f, S5 = -0.000563138747f;
    // erfc(t) exp(t^2) as a polynomial in u = t - 2.5 on t in [1, 4]; erf(t) rounds to 1 beyond 4.
    private const float ErfcCenter = 2.5f, ErfcCap = 4f;
    private const float L0 = 0.21080637f, L1 = -0.074347578f, L2 = 0.0249379259f, L3 = -0.00799949374f, L4 = 0.00246699411f,
        L5 = -0.000738756964f, L6 = 0.000211692197f, L7 = -5.37301676e-5f, L8 = 1.50118967e-5f, L9 = -6.3573043e-6f, L10 = 1.55363864e-6f;

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
        float t = MathF.Abs(x);
        if (t < 1f)
        {
            float s = x * x;
            float p = MathF.FusedMultiplyAdd(S5, s, S4);
            p = MathF.FusedMultiplyAdd(p, s, S3);
            p = MathF.FusedMultiplyAdd(p, s, S2);
            p = MathF.FusedMultiplyAdd(p, s, S1);
            p = MathF.FusedMultiplyAdd(p, s, S0);
            return x * p;
        }
        float c = MathF.Min(t, ErfcCap);
        float u = c - ErfcCenter;
        float q = MathF.FusedMultiplyAdd(L10, u, L9);
        q = MathF.FusedMultiplyAdd(q, u, L8);
        q = MathF.FusedMultiplyAdd(q, u, L7);
        q = MathF.FusedMultiplyAdd(q, u, L6);
        q = MathF.FusedMultiplyAdd(q, u, L5);
        q = MathF.FusedMultiplyAdd(q, u, L4);
        q = MathF.FusedMultiplyAdd(q, u, L3);
        q = MathF.FusedMultiplyAdd(q, u, L2);
        q = MathF.FusedMultiplyAdd(q, u, L1);
        q = MathF.FusedMultiplyAdd(q, u, L0);
        float big = 1f - Exp(-(c * c)) * q;
        // NaN fails t < 1 and reaches here; MathF.Min keeps it NaN, so big is NaN too.
        return MathF.CopySign(big, x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Erf(Vector256<float> x)
    {
        var t = Vector256.Abs(x);
        var s = x * x;
        var p = Vector256.FusedMultiplyAdd(Vector256.Create(S5), s, Vector256.Create(S4));
        p = Vector256.FusedMultiplyAdd(p, s, Vector256.Create(S3));
        p = Vector256.FusedMultiplyAdd(p, s, Vector256.Create(S2));
        p = Vector256.FusedMultiplyAdd(p, s, Vector256.Create(S1));
        p = Vector256.FusedMultiplyAdd(p, s, Vector256.Create(S0));
        var small = x * p;
        var c = Vector256.Min(t, Vector256.Create(ErfcCap));
        var u = c - Vector256.Create(ErfcCenter);
        var q = Vector256.FusedMultiplyAdd(Vector256.Create(L10), u, Vector256.Create(L9));
        q = Vector256.FusedMultiplyAdd(q, u, Vector256.Create(L8));
        q = Vector256.FusedMultiplyAdd(q, u, Vector256.Create(L7));
        q = Vector256.FusedMultiplyAdd(q, u, Vector256.Create(L6));
        q = Vector256.FusedMultiplyAdd(q, u, Vector256.Create(L5));
        q = Vector256.FusedMultiplyAdd(q, u, Vector256.Create(L4));
        q = Vector256.FusedMultiplyAdd(q, u, Vector256.Create(L3));
        q = Vector256.FusedMultiplyAdd(q, u, Vector256.Create(L2));
        q = Vector256.FusedMultiplyAdd(q, u, Vector256.Create(L1));
        q = Vector256.FusedMultiplyAdd(q, u, Vector256.Create(L0));
        var big = Vector256<float>.One - Exp(-(c * c)) * q;
        return Vector256.ConditionalSelect(Vector256.LessThan(t, Vector256<float>.One), small, Vector256.CopySign(big, x));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Erf(Vector512<float> x)
    {
        var t = Vector512.Abs(x);
        var s = x * x;
        var p = Vector512.FusedMultiplyAdd(Vector512.Create(S5), s, Vector512.Create(S4));
        p = Vector512.FusedMultiplyAdd(p, s, Vector512.Create(S3));
        p = Vector512.FusedMultiplyAdd(p, s, Vector512.Create(S2));
        p = Vector512.FusedMultiplyAdd(p, s, Vector512.Create(S1));
        p = Vector512.FusedMultiplyAdd(p, s, Vector512.Create(S0));
        var small = x * p;
        var c = Vector512.Min(t, Vector512.Create(ErfcCap));
        var u = c - Vector512.Create(ErfcCenter);
        var q = Vector512.FusedMultiplyAdd(Vector512.Create(L10), u, Vector512.Create(L9));
        q = Vector512.FusedMultiplyAdd(q, u, Vector512.Create(L8));
        q = Vector512.FusedMultiplyAdd(q, u, Vector512.Create(L7));
        q = Vector512.FusedMultiplyAdd(q, u, Vector512.Create(L6));
        q = Vector512.FusedMultiplyAdd(q, u, Vector512.Create(L5));
        q = Vector512.FusedMultiplyAdd(q, u, Vector512.Create(L4));
        q = Vector512.FusedMultiplyAdd(q, u, Vector512.Create(L3));
        q = Vector512.FusedMultiplyAdd(q, u, Vector512.Create(L2));
        q = Vector512.FusedMultiplyAdd(q, u, Vector512.Create(L1));
        q = Vector512.FusedMultiplyAdd(q, u, Vector512.Create(L0));
        var big = Vector512<float>.One - Exp(-(c * c)) * q;
        return Vector512.ConditionalSelect(Vector512.LessThan(t, Vector512<float>.One), small, Vector512.CopySign(big, x));
    }
}
