using System.Numerics.Tensors;

namespace Vitrum.Tensors.Kernels;

/// <summary>Max/min with their positions along one axis of a contiguous tensor viewed as [outer, r, inner].</summary>
internal static class ArgReduce
{
    /// <summary>
    /// values[o, j] = max (or min) over k of x[o, k, j] and indices[o, j] = its k. The first index wins
    /// a tie and NaN beats every number (its first occurrence is taken), as in PyTorch.
    /// </summary>
    public static void Run(ReadOnlySpan<float> x, int outer, int r, int inner, Span<float> values, Span<long> indices, bool max)
    {
        if (inner == 1)
        {
            for (int o = 0; o < outer; o++)
            {
                var row = x.Slice(o * r, r);
                int k = max ? TensorPrimitives.IndexOfMax(row) : TensorPrimitives.IndexOfMin(row);
                values[o] = row[k];
                indices[o] = k;
            }
            return;
        }
        // Reducing a middle axis: walk k outermost so each pass reads a contiguous run of inner values.
        for (int o = 0; o < outer; o++)
        {
            var best = values.Slice(o * inner, inner);
            var at = indices.Slice(o * inner, inner);
            x.Slice(o * r * inner, inner).CopyTo(best);
            at.Clear();
            for (int k = 1; k < r; k++)
            {
                var run = x.Slice((o * r + k) * inner, inner);
                for (int j = 0; j < inner; j++)
                {
                    float v = run[j], b = best[j];
                    bool better = max ? v > b : v < b;
                    if (better || (float.IsNaN(v) && !float.IsNaN(b)))
                    {
                        best[j] = v;
                        at[j] = k;
                    }
                }
            }
        }
    }

    /// <summary>dx[o, indices[o, j], j] = g[o, j]; every other element of dx (length outer*r*inner) is 0.</summary>
    public static void Scatter(ReadOnlySpan<float> g, ReadOnlySpan<long> indices, int outer, int r, int inner, Span<float> dx)
    {
        dx.Clear();
        for (int o = 0; o < outer; o++)
            for (int j = 0; j < inner; j++)
            {
                int p = o * inner + j;
                dx[(int)((o * r + indices[p]) * inner + j)] = g[p];
            }
    }
}
