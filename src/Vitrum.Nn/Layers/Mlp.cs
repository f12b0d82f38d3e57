using Vitrum.Tensors;

namespace Vitrum.Nn;

/// <summary>timm's Mlp: fc1 -> GELU (exact) -> dropout -> fc2 -> dropout (keys <c>fc1</c>, <c>fc2</c>).</summary>
public sealed class Mlp : Module<Tensor, Tensor>
{
    public Linear Fc1 { get; }
    public Linear Fc2 { get; }
    private readonly Dropout _drop1, _drop2;

    public Mlp(int inFeatures, int hiddenFeatures, int? outFeatures = null, float drop = 0, bool bias = true, Generator? gen = null)
    {
        gen ??= new Generator(0);
        Fc1 = RegisterModule("fc1", new Linear(inFeatures, hiddenFeatures, bias, gen));
        Fc2 = RegisterModule("fc2", new Linear(hiddenFeatures, outFeatures ?? inFeatures, bias, gen));
        _drop1 = new Dropout(drop, gen);
        _drop2 = new Dropout(drop, gen);
    }

    /// <param name="input">[..., in]</param>
    public override Tensor Forward(Tensor input)
    {
        _drop1.Train(Training);
        _drop2.Train(Training);
        return _drop2.Forward(Fc2.Forward(_drop1.Forward(Ops.Gelu(Fc1.Forward(input)))));
    }
}
