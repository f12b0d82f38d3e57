using Vitrum.Tensors;

namespace Vitrum.Nn.Optim;

/// <summary>torch.nn.utils.clip_grad_norm_ (L2): scales all gradients by max_norm / (total_norm + 1e-6) when that is below 1.</summary>
public static class GradClip
{
    /// <returns>The total gradient norm before clipping.</returns>
    public static double ClipGradNorm(IEnumerable<Tensor> parameters, double maxNorm)
    {
        if (!(maxNorm > 0)) throw new ArgumentException($"ClipGradNorm: max norm must be positive, got {maxNorm}");
        var grads = Gradients(parameters);
        float total = Norm(grads);
        float coef = Coefficient(total, maxNorm);
        if (coef < 1)
            foreach (var g in grads)
            {
                if (!g.IsContiguous) throw new InvalidOperationException($"ClipGradNorm: gradient {g} is not contiguous");
                var s = g.AsSpan();
                System.Numerics.Tensors.TensorPrimitives.Multiply(s, coef, s);
            }
        return total;
    }

    /// <summary>The total L2 norm of the gradients, as <see cref="ClipGradNorm"/> measures it, without changing them.</summary>
    public static double TotalNorm(IEnumerable<Tensor> parameters) => Norm(Gradients(parameters));

    /// <summary>Whether <see cref="ClipGradNorm"/> with <paramref name="maxNorm"/> scales gradients whose total norm is <paramref name="totalNorm"/>.</summary>
    public static bool Clips(double totalNorm, double maxNorm) => Coefficient((float)totalNorm, maxNorm) < 1;

    private static List<Tensor> Gradients(IEnumerable<Tensor> parameters) => parameters.Where(p => p.Grad != null).Select(p => p.Grad!).ToList();

    private static float Coefficient(float total, double maxNorm) => (float)(maxNorm / (total + 1e-6));

    private static float Norm(List<Tensor> grads)
    {
        double sq = 0;
        foreach (var g in grads)
        {
            // PyTorch takes each tensor's norm in float32, then the norm of those norms.
            float n = System.Numerics.Tensors.TensorPrimitives.Norm<float>(g.Contiguous().AsSpan());
            sq += (double)n * n;
        }
        return (float)Math.Sqrt(sq);
    }
}
