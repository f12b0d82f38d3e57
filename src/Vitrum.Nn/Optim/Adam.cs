namespace Vitrum.Nn.Optim;

/// <summary>
/// torch.optim.Adam and AdamW (1.13 single-tensor formulas, float32 arithmetic as PyTorch's CPU kernels):
/// Adam adds weight decay to the gradient (L2); AdamW decays the parameter directly (decoupled).
/// </summary>
public class Adam : Optimizer
{
    private readonly double _beta1, _beta2, _eps;
    private readonly bool _decoupled;

    public Adam(IEnumerable<ParamGroup> groups, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8) : this(groups, beta1, beta2, eps, false) { }

    protected Adam(IEnumerable<ParamGroup> groups, double beta1, double beta2, double eps, bool decoupled) : base(groups)
    {
        if (beta1 is < 0 or >= 1 || beta2 is < 0 or >= 1) throw new ArgumentException($"{GetType().Name}: betas must be in [0, 1), got ({beta1}, {beta2})");
        if (eps < 0) throw new ArgumentException($"{GetType().Name}: eps must be >= 0, got {eps}");
        _beta1 = beta1;
        _beta2 = beta2;
        _eps = eps;
        _decoupled = decoupled;
    }

    protected override int StateCount => 2;

    protected override void Update(ParamGroup group, Span<float> p, ReadOnlySpan<float> grad, Vitrum.Tensors.Tensor[] state, long step)
    {
        var m = state[0].AsSpan();
        var v = state[1].AsSpan();
        double bc1 = 1 - Math.Pow(_beta1, step), bc2 = 1 - Math.Pow(_beta2, step);
        float b1 = (float)_beta1, b2 = (float)_beta2, a1 = (float)(1 - _beta1), a2 = (float)(1 - _beta2);
        float stepSize = (float)(group.Lr / bc1), bc2Sqrt = (float)Math.Sqrt(bc2), eps = (float)_eps;
        float wd = (float)group.WeightDecay, decay = (float)(1 - group.Lr * group.WeightDecay);
        for (int i = 0; i < p.Length; i++)
        {
            float g = grad[i];
            if (_decoupled) p[i] *= decay;
            else if (wd != 0) g += wd * p[i];
            m[i] = m[i] * b1 + a1 * g;
            v[i] = v[i] * b2 + a2 * g * g;
            float denom = MathF.Sqrt(v[i]) / bc2Sqrt + eps;
            p[i] -= stepSize * (m[i] / denom);
        }
    }
}

/// <summary>torch.optim.AdamW: Adam with decoupled weight decay (p *= 1 - lr * weight_decay before the step).</summary>
public sealed class AdamW : Adam
{
    public AdamW(IEnumerable<ParamGroup> groups, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8) : base(groups, beta1, beta2, eps, true) { }
}
