using Vitrum.Models.Detr;
using Vitrum.Nn;
using Vitrum.Nn.Optim;
using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;
using Vitrum.Tensors.Memory;

namespace Vitrum.Cli.Commands;

/// <summary>The step <c>vitrum bench model</c> times, by the model's task: inference, or a training step as that task trains.</summary>
public static class BenchSteps
{
    /// <summary>A no-grad forward of <paramref name="x"/> (classifier or detector), the model folded for inference first.</summary>
    public static Action Inference(ModelHandle model, Tensor x, bool detector)
    {
        model.Instance.ForInference();
        return () =>
        {
            using var _ = new TensorScope();
            using var g = GradMode.NoGrad();
            if (detector) model.Detector.Forward(new ImageBatch(x));
            else model.Module.Forward(x);
        };
    }

    /// <summary>Forward, cross-entropy against fixed labels, backward and an AdamW step (timm's weight-decay split).</summary>
    public static Action ClassifierTraining(ModelHandle model, Tensor x, int classes)
    {
        int batch = x.Shape[0];
        var y = Tensor.FromLongs(Enumerable.Range(0, batch).Select(i => (long)(i * 7919 % classes)).ToArray(), batch);
        model.Module.Train();
        var opt = new AdamW(ParamGroup.WeightDecaySplit(model.Module, 1e-4, 0.05, model.NoWeightDecay));
        return () =>
        {
            using var _ = new TensorScope();
            var loss = Ops.CrossEntropy(model.Module.Forward(x), y);
            opt.ZeroGrad();
            loss.Backward();
            opt.Step();
        };
    }

    /// <summary>
    /// DETR's training step (its engine.py's train_one_epoch): forward, SetCriterion with the Hungarian matching of every
    /// decoder output, backward, gradient clipping at norm 0.1 (main.py's clip_max_norm) and AdamW (lr 1e-4, weight decay
    /// 1e-4), on fixed targets of <see cref="ObjectsPerImage"/> boxes per image (bench/detr_peer.py makes the same).
    /// </summary>
    public static Action DetectorTraining(ModelHandle model, Tensor x, int numClasses)
    {
        // Group DETR matches every query group on its own: each image's targets once per group, as DetectionTask gives them.
        int groups = (model.Instance.Config as Models.Detr.DetrConfig)?.QueryGroups ?? 1;
        var targets = Enumerable.Range(0, x.Shape[0]).SelectMany(i => Enumerable.Repeat(Targets(i, numClasses), groups)).ToArray();
        model.Detector.Train();
        var parameters = model.Detector.Parameters().Where(p => p.RequiresGrad).ToList();
        var opt = new AdamW(ParamGroup.WeightDecaySplit(model.Detector, 1e-4, 1e-4, model.NoWeightDecay));
        var criterion = new SetCriterion(numClasses);
        return () =>
        {
            using var _ = new TensorScope();
            var losses = criterion.Forward(model.Detector.Forward(new ImageBatch(x)), targets);
            opt.ZeroGrad();
            losses.Total.Backward();
            GradClip.ClipGradNorm(parameters, 0.1);
            opt.Step();
        };
    }

    public const int ObjectsPerImage = 4;

    /// <summary>Image <paramref name="i"/>'s fixed objects: labels (13 i + 7 j) mod num_classes, boxes spread over the image.</summary>
    public static DetrTarget Targets(int i, int numClasses)
    {
        var labels = new long[ObjectsPerImage];
        var boxes = new float[ObjectsPerImage * 4];
        for (int j = 0; j < ObjectsPerImage; j++)
        {
            labels[j] = (i * 13 + j * 7) % numClasses;
            (boxes[4 * j], boxes[4 * j + 1]) = (0.2f + 0.15f * j, 0.3f + 0.1f * ((i + j) % 4));
            (boxes[4 * j + 2], boxes[4 * j + 3]) = (0.1f + 0.05f * j, 0.15f + 0.05f * ((i + j) % 3));
        }
        return new DetrTarget(Tensor.FromLongs(labels, ObjectsPerImage), Tensor.FromArray(boxes, ObjectsPerImage, 4));
    }
}
