using Vitrum.Tensors;

namespace Vitrum.Nn.Optim;

/// <summary>
/// Base of the optimizers: parameter groups, per-parameter state tensors (created outside any scope),
/// and a step that skips parameters without gradients, as torch.optim does.
/// </summary>
public abstract class Optimizer
{
    private readonly Dictionary<Tensor, Tensor[]> _state = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<Tensor, long> _steps = new(ReferenceEqualityComparer.Instance);

    public IReadOnlyList<ParamGroup> Groups { get; }

    protected Optimizer(IEnumerable<ParamGroup> groups)
    {
        Groups = groups.ToList();
        foreach (var g in Groups)
            foreach (var p in g.Params)
                if (p.DType != DType.Float32 || !p.IsContiguous)
                    throw new ArgumentException($"{GetType().Name}: parameters must be contiguous float32 tensors, got {p}");
    }

    /// <summary>How many state tensors (shaped like the parameter, zero-initialized) each parameter needs.</summary>
    protected abstract int StateCount { get; }

    /// <summary>Applies one update to <paramref name="p"/> given its gradient; <paramref name="step"/> counts from 1.</summary>
    protected abstract void Update(ParamGroup group, Tensor p, Tensor grad, Tensor[] state, long step);

    public void Step()
    {
        using var _ = Vitrum.Tensors.Autograd.GradMode.NoGrad();
        foreach (var g in Groups)
            foreach (var p in g.Params)
            {
                if (p.Grad == null) continue;
                var grad = p.Grad.Contiguous();
                if (!_state.TryGetValue(p, out var st))
                {
                    using (Vitrum.Tensors.Memory.TensorScope.Suppress())
                        st = Enumerable.Range(0, StateCount).Select(_ => Tensor.Zeros(p.Shape)).ToArray();
                    _state[p] = st;
                }
                long step = _steps.GetValueOrDefault(p) + 1;
                _steps[p] = step;
                Update(g, p, grad, st, step);
            }
    }

    public void ZeroGrad()
    {
        foreach (var g in Groups)
            foreach (var p in g.Params) p.ZeroGrad();
    }

    /// <summary>The state of one parameter (for checkpoints): its tensors and step count.</summary>
    public (Tensor[] State, long Step)? StateOf(Tensor p) =>
        _state.TryGetValue(p, out var st) ? (st, _steps[p]) : null;

    /// <summary>Restores one parameter's state (from a checkpoint).</summary>
    public void SetState(Tensor p, Tensor[] state, long step)
    {
        if (state.Length != StateCount) throw new ArgumentException($"{GetType().Name}: expected {StateCount} state tensors, got {state.Length}");
        foreach (var s in state)
            if (!ShapeUtil.SameShape(s.Shape, p.Shape))
                throw new ArgumentException($"{GetType().Name}: state of shape {ShapeUtil.Format(s.Shape)} for parameter {ShapeUtil.Format(p.Shape)}");
        _state[p] = state;
        _steps[p] = step;
    }

    public int StateTensorCount => StateCount;
}
