using Vitrum.Models.Detr;
using Vitrum.Nn;
using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;
using Vitrum.Tensors.Memory;

namespace Vitrum.Models;

/// <summary>
/// What a model costs, counted from the model itself: its parameters, and the multiply-accumulates of one forward pass
/// of a single input at its pretrained input size (<see cref="MacCounter"/>: linear layers, convolutions, matrix products
/// and attention, as timm's published GMACs count them), so a Transformer and a CNN compare side by side.
/// </summary>
public static class ModelCost
{
    /// <summary>
    /// The parameters training updates (those requiring gradients), as DETR's main.py counts them: DETR leaves its
    /// backbone's stem and layer1 frozen, and its published 41.3M excludes them. Other families freeze nothing when
    /// created, so for them this is every parameter. Buffers (batch-norm statistics, frozen norms) never count.
    /// </summary>
    public static long Parameters(ModelInstance model) => model.Module.ParameterCount(trainableOnly: true);

    /// <summary>GMACs of one image at the pretrained input size (square, unpadded); null for a model that takes no images.</summary>
    public static double? Gmacs(ModelInstance model)
    {
        if (model.Pretrained is not { } cfg) return null;
        using var scope = new TensorScope();
        using var _ = GradMode.NoGrad();
        bool training = model.Module.Training;
        model.Module.Eval();
        try
        {
            // Count only: the figure needs the shapes, not the values (a COCO-size DETR forward took seconds per preset).
            using var counter = MacCounter.Start(countOnly: true);
            var images = Tensor.Zeros(1, cfg.InChans, cfg.ImageSize, cfg.ImageSize);
            if (model.Task == TaskKind.Detect) model.Detector.Forward(new ImageBatch(images));
            else model.Classifier.Forward(images);
            return counter.Macs / 1e9;
        }
        finally { model.Module.Train(training); }
    }
}
