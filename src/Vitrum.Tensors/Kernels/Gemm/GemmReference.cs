namespace Vitrum.Tensors.Kernels;

/// <summary>The obviously correct triple loop (double accumulation), against which the fast paths are tested.</summary>
public static unsafe class GemmReference
{
    public static void Sgemm(int m, int n, int k, float* a, int rsA, int csA, float* b, int rsB, int csB,
        float* c, int ldc, bool accumulate)
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++) s += (double)a[(long)i * rsA + (long)p * csA] * b[(long)p * rsB + (long)j * csB];
                float* cp = c + (long)i * ldc + j;
                *cp = accumulate ? *cp + (float)s : (float)s;
            }
    }
}
