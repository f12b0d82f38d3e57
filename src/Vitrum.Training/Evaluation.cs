using Vitrum.Data.Datasets;
using Vitrum.Data.Loading;
using Vitrum.Data.Transforms;
using Vitrum.Nn;
using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;
using Vitrum.Tensors.Memory;

namespace Vitrum.Training;

/// <summary>Accuracy and mean cross-entropy of a classifier over a data set (eval mode, no gradients).</summary>
public static class Evaluation
{
    public static (double Loss, double Accuracy) Classify(Module<Tensor, Tensor> model, ImageClassificationData data, IReadOnlyList<IImageTransform> transforms, int batchSize, CancellationToken ct = default)
    {
        bool wasTraining = model.Training;
        model.Eval();
        double lossSum = 0;
        long correct = 0, seen = 0;
        var loader = new BatchLoader(data, batchSize, transforms, seed: 0, shuffle: false);
        try
        {
            using var _ = GradMode.NoGrad();
            foreach (var batch in loader.Epoch(0, ct: ct))
                using (batch)
                using (new TensorScope())
                {
                    var logits = model.Forward(batch.Images);
                    lossSum += Ops.CrossEntropy(logits, batch.Labels, reduction: Reduction.Sum).Item();
                    correct += CountCorrect(logits, batch.Labels);
                    seen += batch.Size;
                }
        }
        finally
        {
            model.Train(wasTraining);
        }
        return (lossSum / seen, (double)correct / seen);
    }

    /// <summary>How many rows of <paramref name="logits"/> [B, K] have their arg-max at the label.</summary>
    public static int CountCorrect(Tensor logits, Tensor labels)
    {
        var pred = Ops.ArgMax(logits, 1).ToLongArray();
        var y = labels.ToLongArray();
        int c = 0;
        for (int i = 0; i < y.Length; i++) if (pred[i] == y[i]) c++;
        return c;
    }
}
