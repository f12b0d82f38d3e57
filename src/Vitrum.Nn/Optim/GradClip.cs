using Vitrum.Tensors;

namespace Vitrum.Nn.Optim;

/// <summary>torch.nn.utils.clip_grad_norm_ (L2): scales all gradients by max_norm / (total_norm + 1e-6) when that is below 1.</summary>
public static class GradClip
{
    /// <returns>The total gradient norm before clipping.</returns>
    public static double ClipGradNorm(IEnumerable<Tensor> parameters, double maxNorm)
    {
        if (!(maxNorm > 0)) throw new ArgumentException($"ClipGradNorm: max norm must be positive, got {maxNorm}");
        var grads = parameters.Where(p => p.Grad != null).Select(p => p.Grad!).ToList();
        double sq = 0;
        foreach (var g in grads)
        {
            // PyTorch takes each tensor's norm in float32, then the norm of those norms.
            float n = System.Numerics.Tensors.TensorPrimitives.Norm<float>(g.Contiguous().AsSpan());
            sq += (double)n * n;
        }
        float total = (float)Math.Sqrt(sq);
        float coef = (float)(maxNorm / (total + 1e-6));
        if (coef < 1)
            foreach (var g in grads)
            {
                if (!g.IsContiguous) throw new InvalidOperationException($"ClipGradNorm: gradient {g} is not contiguous");
                var s = g.AsSpan();
                System.Numerics.Tensors.TensorPrimitives.Multiply(s, coef, s);
            }
        return total;
    }
}
