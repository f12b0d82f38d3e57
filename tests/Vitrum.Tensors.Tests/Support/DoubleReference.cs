namespace Vitrum.Tensors.Tests.Support;

/// <summary>Double-precision references for the vectorized float kernels (.NET has no Math.Erf).</summary>
public static class DoubleReference
{
    /// <summary>
    /// erf(x) = 2/sqrt(pi) exp(-x^2) sum_n x (2x^2)^n / (1*3*...*(2n+1)): every term is positive, so
    /// nothing cancels and the sum is accurate to a few ulp of double; beyond |x| = 6, erf is +-1 in double.
    /// </summary>
    public static double Erf(double x)
    {
        if (double.IsNaN(x)) return double.NaN;
        double a = Math.Abs(x);
        if (a >= 6) return Math.Sign(x);
        double term = a, sum = a, x2 = 2 * a * a;
        for (int n = 1; n < 200 && term > 1e-17 * sum; n++)
        {
            term *= x2 / (2 * n + 1);
            sum += term;
        }
        return Math.CopySign(2 / Math.Sqrt(Math.PI) * Math.Exp(-a * a) * sum, x);
    }

    /// <summary>Exact GELU x Phi(x) by the same formula PyTorch uses (so GELU(-inf) is NaN, as there).</summary>
    public static double Gelu(double x) => 0.5 * x * (1 + Erf(x / Math.Sqrt(2)));

    /// <summary>d/dx x Phi(x) = Phi(x) + x phi(x).</summary>
    public static double GeluGrad(double x) => 0.5 * (1 + Erf(x / Math.Sqrt(2))) + x * Math.Exp(-0.5 * x * x) / Math.Sqrt(2 * Math.PI);
}
