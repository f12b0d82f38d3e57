namespace Vitrum.Nn.Optim;

/// <summary>torch.optim.SGD: weight decay added to the gradient, optional (Nesterov) momentum with dampening.</summary>
public sealed class Sgd : Optimizer
{
    private readonly double _momentum, _dampening;
    private readonly bool _nesterov;

    public Sgd(IEnumerable<ParamGroup> groups, double momentum = 0, double dampening = 0, bool nesterov = false) : base(groups)
    {
        if (nesterov && (momentum <= 0 || dampening != 0)) throw new ArgumentException("Sgd: Nesterov momentum requires a momentum and zero dampening");
        _momentum = momentum;
        _dampening = dampening;
        _nesterov = nesterov;
    }

    protected override int StateCount => 1;

    protected override void Update(ParamGroup group, Vitrum.Tensors.Tensor param, Vitrum.Tensors.Tensor gradient, Vitrum.Tensors.Tensor[] state, long step)
    {
        var p = param.AsSpan();
        ReadOnlySpan<float> grad = gradient.AsSpan();
        float wd = (float)group.WeightDecay, lr = (float)group.Lr, mom = (float)_momentum, damp = (float)(1 - _dampening);
        var buf = state[0].AsSpan();
        for (int i = 0; i < p.Length; i++)
        {
            float d = grad[i];
            if (wd != 0) d += wd * p[i];
            if (mom != 0)
            {
                buf[i] = step == 1 ? d : buf[i] * mom + damp * d;
                d = _nesterov ? d + mom * buf[i] : buf[i];
            }
            p[i] -= lr * d;
        }
    }
}
