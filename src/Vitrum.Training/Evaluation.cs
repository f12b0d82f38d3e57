using Vitrum.Data.Datasets;
using Vitrum.Data.Loading;
using Vitrum.Data.Transforms;
using Vitrum.Nn;
using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;
using Vitrum.Tensors.Memory;
using Vitrum.Training.Distributed;

namespace Vitrum.Training;

/// <summary>Accuracy and mean cross-entropy of a classifier over a data set (eval mode, no gradients).</summary>
public static class Evaluation
{
    /// <param name="group">data-parallel ranks: each scores its shard (every item once), and the sums are summed over the ranks</param>
    public static (double Loss, double Accuracy) Classify(Module<Tensor, Tensor> model, ImageClassificationData data, IReadOnlyList<IImageTransform> transforms, int batchSize,
        CancellationToken ct = default, IProcessGroup? group = null)
    {
        group ??= SingleProcess.Instance;
        bool wasTraining = model.Training;
        model.Eval();
        double lossSum = 0;
        long correct = 0, seen = 0;
        var loader = new BatchLoader(data, batchSize, transforms, seed: 0, shuffle: false) { Shard = new DataShard(group.Rank, group.Size), PadShard = false };
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
        if (group.Size > 1)
        {
            var sums = new[] { lossSum, correct, seen };
            group.Sum(sums);
            (lossSum, correct, seen) = (sums[0], (long)Math.Round(sums[1]), (long)Math.Round(sums[2]));
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
