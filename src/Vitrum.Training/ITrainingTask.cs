using Vitrum.Models;
using Vitrum.Nn.Optim;
using Vitrum.Tensors;

namespace Vitrum.Training;

/// <summary>
/// What a batch contributed: the loss to back-propagate, its weight in the epoch's mean (images, or target tokens),
/// how many of the weighted items were predicted right, and the units of throughput it holds (images, or tokens).
/// </summary>
public readonly record struct BatchLoss(Tensor Loss, double Weight, long Correct, double Units);

/// <summary>
/// One kind of learning problem, as <see cref="Trainer{TBatch}"/> drives it (DETR's <c>engine.py</c> takes a model, a
/// criterion and a loader the same way): the batches of an epoch, the loss and counts of a batch, the evaluation after
/// each epoch on a validation split and which of its metrics picks the best weights, and the test at the end (never the
/// split that picks the best weights). Everything else (resume, cancellation, time budget, divergence, progress,
/// metrics, best/last weights, checkpoint averaging) is the trainer's.
/// </summary>
public interface ITrainingTask<TBatch> where TBatch : IDisposable
{
    ModelInstance Model { get; }

    /// <summary>The throughput unit for progress ("img/s") and its metrics.jsonl key ("images_per_second").</summary>
    string Unit { get; }
    string ThroughputKey { get; }

    /// <summary>The metrics.jsonl key of the training accuracy ("train_accuracy", "train_token_accuracy").</summary>
    string TrainAccuracyKey { get; }

    MetricGoal Goal { get; }

    /// <summary>The rates chart.png draws beside the losses and the learning rate.</summary>
    RatePanel ChartRates { get; }

    int BatchesPerEpoch { get; }

    /// <summary>The optimizer with its parameter groups (each group's <see cref="ParamGroup.LrScale"/> set).</summary>
    Optimizer CreateOptimizer();

    LrSchedule CreateSchedule();

    /// <summary>The batches of <paramref name="epoch"/> after the first <paramref name="skip"/> (a resumed run skips those it did): the same for the same epoch.</summary>
    IEnumerable<TBatch> Epoch(int epoch, int skip);

    /// <summary>The forward pass and loss of a batch (with the tape recording), at optimizer step <paramref name="step"/>.</summary>
    BatchLoss Loss(TBatch batch, long step);

    /// <summary>The evaluation after each epoch on the validation split (eval mode, no gradients); the trainer puts the model back into training mode.</summary>
    IReadOnlyList<Metric> Evaluate();

    /// <summary>Metadata the weight files carry beside the evaluation's figures (e.g. class names).</summary>
    IReadOnlyDictionary<string, string> WeightsMetadata { get; }

    /// <summary>The final test of the weights the model holds (empty when the task has no test split).</summary>
    IReadOnlyList<Metric> Test(CancellationToken ct);

    /// <summary>
    /// Whether the final test also scores the weights the run ended with, before the best weights are loaded and tested
    /// (an image run reports both; a sequence-to-sequence run, whose test decoding is slow, only the best).
    /// </summary>
    bool TestsFinalWeights { get; }
}
