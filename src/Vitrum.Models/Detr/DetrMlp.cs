// DETR: End-to-End Object Detection with Transformers (Carion et al. 2020); MLP of facebookresearch/detr's models/detr.py.
using Vitrum.Nn;
using Vitrum.Tensors;

namespace Vitrum.Models.Detr;

/// <summary>DETR's MLP (the box head <c>bbox_embed</c>): linear layers <c>layers.0</c>..<c>layers.{n-1}</c> with a relu between them.</summary>
public sealed class DetrMlp : Module<Tensor, Tensor>
{
    public ModuleList<Linear> Layers { get; }

    /// <param name="numLayers">linear layers: input -> hidden, (hidden -> hidden)..., hidden -> output</param>
    public DetrMlp(int inputDim, int hiddenDim, int outputDim, int numLayers, Generator gen)
    {
        if (numLayers < 1) throw new ArgumentException($"DetrMlp: num_layers must be positive, got {numLayers}");
        Layers = RegisterModule("layers", new ModuleList<Linear>());
        for (int i = 0; i < numLayers; i++)
            Layers.Add(new Linear(i == 0 ? inputDim : hiddenDim, i == numLayers - 1 ? outputDim : hiddenDim, gen: gen));
    }

    /// <param name="input">[..., input_dim]</param>
    /// <returns>[..., output_dim]</returns>
    public override Tensor Forward(Tensor input)
    {
        var x = input;
        for (int i = 0; i < Layers.Count; i++)
        {
            x = Layers[i].Forward(x);
            if (i < Layers.Count - 1) x = Ops.Relu(x);
        }
        return x;
    }
}
