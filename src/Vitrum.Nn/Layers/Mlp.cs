using Vitrum.Tensors;

namespace Vitrum.Nn;

/// <summary>
/// timm's Mlp: fc1 -> GELU (exact) -> drop1 -> fc2 -> drop2 (keys <c>fc1</c>, <c>fc2</c>; the dropouts
/// are child modules, so <see cref="Module.Train"/> and <see cref="Module.Eval"/> reach them).
/// </summary>
public sealed class Mlp : Module<Tensor, Tensor>
{
    public Linear Fc1 { get; }
    public Linear Fc2 { get; }
    private readonly Dropout _drop1, _drop2;

    /// <param name="drop">dropout after the activation and after fc2, as timm's <c>drop</c></param>
    public Mlp(int inFeatures, int hiddenFeatures, int? outFeatures = null, float drop = 0, bool bias = true, Generator? gen = null)
    {
        gen ??= new Generator(0);
        Fc1 = RegisterModule("fc1", new Linear(inFeatures, hiddenFeatures, bias, gen));
        _drop1 = RegisterModule("drop1", new Dropout(drop, gen));
        Fc2 = RegisterModule("fc2", new Linear(hiddenFeatures, outFeatures ?? inFeatures, bias, gen));
        _drop2 = RegisterModule("drop2", new Dropout(drop, gen));
    }

    /// <param name="input">[..., in]</param>
    /// <returns>[..., out]</returns>
    public override Tensor Forward(Tensor input) => Forward(input, null);

    /// <summary>residual + mlp(input); in inference the GELU and the add run inside fc1's and fc2's products (<see cref="Linear.Forward(Tensor, bool, Tensor?)"/>).</summary>
    /// <param name="input">[..., in]</param>
    /// <param name="residual">[..., out] or null</param>
    /// <returns>[..., out]</returns>
    public Tensor Forward(Tensor input, Tensor? residual)
    {
        LayerChecks.LastDim("Mlp", input, Fc1.InFeatures);
        var activated = Fc1.Forward(input, gelu: true);
        var hidden = _drop1.Forward(activated);
        bool fuse = residual != null && _drop2.IsIdentity;
        var y = fuse ? Fc2.Forward(hidden, gelu: false, residual) : _drop2.Forward(Fc2.Forward(hidden));
        // Without gradients nothing holds the hidden activations ([..., 4C], the largest of a block) past fc2.
        hidden.DisposeIfNoGrad();
        activated.DisposeIfNoGrad();
        return residual == null || fuse ? y : Ops.Add(residual, y);
    }
}
