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
    public override Tensor Forward(Tensor input)
    {
        LayerChecks.LastDim("Mlp", input, Fc1.InFeatures);
        return _drop2.Forward(Fc2.Forward(_drop1.Forward(Ops.Gelu(Fc1.Forward(input)))));
    }
}
