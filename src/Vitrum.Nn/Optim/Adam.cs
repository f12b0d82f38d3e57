using Vitrum.Tensors;

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

    protected override void Update(ParamGroup group, Tensor p, Tensor grad, Tensor[] state, long step)
    {
        double bc1 = 1 - Math.Pow(_beta1, step), bc2 = 1 - Math.Pow(_beta2, step);
        AdamKernel.Update(p, grad, state[0], state[1], new AdamKernel.Scalars(
            B1: (float)_beta1, B2: (float)_beta2, A1: (float)(1 - _beta1), A2: (float)(1 - _beta2),
            StepSize: (float)(group.Lr / bc1), Bc2Sqrt: (float)Math.Sqrt(bc2), Eps: (float)_eps,
            Decay: _decoupled ? (float)(1 - group.Lr * group.WeightDecay) : 1f,
            L2: _decoupled ? 0f : (float)group.WeightDecay));
    }
}

public sealed class AdamW : Adam
{
    public AdamW(IEnumerable<ParamGroup> groups, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8) : base(groups, beta1, beta2, eps, true) { }
}
