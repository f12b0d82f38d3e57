using Vitrum.Tensors;
using Vitrum.Tensors.Memory;

namespace Vitrum.Nn.Optim;

/// <summary>
/// timm's ModelEmaV2: a shadow copy of a model's state dict updated as ema = decay * ema + (1 - decay) * value
/// after each step (integer buffers are copied). Evaluate with it by loading <see cref="StateDict"/> into a model.
/// </summary>
public sealed class ExponentialMovingAverage
{
    private readonly Dictionary<string, Tensor> _shadow = new(StringComparer.Ordinal);
    public double Decay { get; }

    public ExponentialMovingAverage(Module model, double decay = 0.9999)
    {
        if (decay is < 0 or > 1) throw new ArgumentException($"ExponentialMovingAverage: decay must be in [0, 1], got {decay}");
        Decay = decay;
        using var _ = TensorScope.Suppress();
        using var __ = Vitrum.Tensors.Autograd.GradMode.NoGrad();
        foreach (var (k, v) in model.StateDict()) _shadow[k] = v.Detach().Clone();
    }

    public void Update(Module model)
    {
        float d = (float)Decay, a = (float)(1 - Decay);
        foreach (var (k, v) in model.StateDict())
        {
            if (!_shadow.TryGetValue(k, out var e) || !ShapeUtil.SameShape(e.Shape, v.Shape))
                throw new ArgumentException($"ExponentialMovingAverage: model key {k} does not match the shadow copy");
            var src = v.Contiguous();
            if (v.DType != DType.Float32) { src.AsLongSpan().CopyTo(e.AsLongSpan()); continue; }
            var es = e.AsSpan();
            var vs = src.AsSpan();
            for (int i = 0; i < es.Length; i++) es[i] = d * es[i] + a * vs[i];
        }
    }

    public IReadOnlyDictionary<string, Tensor> StateDict() => _shadow;
}
