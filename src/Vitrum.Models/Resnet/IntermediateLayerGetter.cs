using Vitrum.Nn;
using Vitrum.Tensors;

namespace Vitrum.Models.Resnet;

/// <summary>
/// torchvision's IntermediateLayerGetter over a <see cref="ResNet"/> (DETR's <c>backbone.0.body</c>): the model's
/// children up to the last stage asked for, under the model's own keys (<c>conv1</c>, <c>bn1</c>, <c>layer1</c>, ...;
/// never <c>fc</c>), returning the asked stages' maps under the names the caller gives them, e.g.
/// <c>{"layer4": "0"}</c> or <c>{"layer1": "0", "layer2": "1", "layer3": "2", "layer4": "3"}</c>. The modules are
/// the model's, not copies: weights, modes and folding are shared.
/// </summary>
public sealed class IntermediateLayerGetter : Module<Tensor, OrderedDictionary<string, Tensor>>, IInferenceFusion
{
    private readonly ResNet _model;
    private readonly (ResnetStage Stage, string? Output)[] _stages;

    /// <param name="returnLayers">stage name ("layer1".."layer4") to output name, as torchvision's return_layers</param>
    /// <exception cref="ArgumentException">a name that is not a stage of the model, or no names at all</exception>
    public IntermediateLayerGetter(ResNet model, IReadOnlyDictionary<string, string> returnLayers)
    {
        if (returnLayers.Count == 0) throw new ArgumentException("IntermediateLayerGetter: return_layers is empty; name at least one of layer1..layer4");
        foreach (var name in returnLayers.Keys)
            if (!ResNet.StageNames.Contains(name))
                throw new ArgumentException($"IntermediateLayerGetter: return_layers names '{name}', which is not a stage of the ResNet (one of: {string.Join(", ", ResNet.StageNames)})");
        _model = model;
        int last = ResNet.StageNames.Select((n, i) => returnLayers.ContainsKey(n) ? i : -1).Max();
        RegisterModule("conv1", model.Conv1);
        RegisterModule("bn1", model.Bn1);
        _stages = new (ResnetStage, string?)[last + 1];
        for (int s = 0; s <= last; s++)
        {
            string name = ResNet.StageNames[s];
            _stages[s] = (RegisterModule(name, model.Stages[s]), returnLayers.TryGetValue(name, out var output) ? output : null);
        }
    }

    /// <summary>The model whose modules this reads.</summary>
    public ResNet Model => _model;

    /// <param name="images">[N, in_chans, H, W]</param>
    /// <returns>the asked maps in stage order, by output name: [N, C_s, H_s, W_s]</returns>
    public override OrderedDictionary<string, Tensor> Forward(Tensor images)
    {
        var result = new OrderedDictionary<string, Tensor>(StringComparer.Ordinal);
        var x = _model.Stem(images);
        foreach (var (stage, output) in _stages)
        {
            x = stage.Forward(x);
            if (output != null) result[output] = x;
        }
        return result;
    }

    /// <summary>Folds the norms of the model for inference, or undoes it (<see cref="ResNet.FuseForInference"/>).</summary>
    public void FuseForInference(bool fuse = true) => _model.FuseForInference(fuse);
}
