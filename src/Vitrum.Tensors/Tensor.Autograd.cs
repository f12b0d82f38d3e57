using Vitrum.Tensors.Autograd;

namespace Vitrum.Tensors;

public sealed partial class Tensor
{
    internal void SetRequiresGradFromGraph() => _requiresGrad = true;

    /// <summary>Marks a leaf as requiring a gradient and returns it (fluent).</summary>
    public Tensor RequireGrad()
    {
        RequiresGrad = true;
        return this;
    }

    /// <summary>Back-propagates from this tensor; <paramref name="grad"/> defaults to 1 for a scalar.</summary>
    /// <param name="onLeafGradReady">called with each leaf (parameter) as soon as its gradient is complete, while the walk goes on (the hook of data-parallel all-reduce)</param>
    public void Backward(Tensor? grad = null, Action<Tensor>? onLeafGradReady = null) => Engine.Backward(this, grad, onLeafGradReady);

    /// <summary>A view of the same data that is cut from the graph.</summary>
    public Tensor Detach() => ViewOf(_shape, _strides, _offset);

    /// <summary>Clears the accumulated gradient (disposing its buffer).</summary>
    public void ZeroGrad()
    {
        Grad?.Dispose();
        Grad = null;
    }
}
