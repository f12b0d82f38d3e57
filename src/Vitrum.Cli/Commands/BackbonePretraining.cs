using System.Globalization;
using Vitrum.Data.Loading;
using Vitrum.Data.Transforms;
using Vitrum.Models;
using Vitrum.Training;
using Vitrum.Training.Tasks;

namespace Vitrum.Cli.Commands;

/// <summary>
/// The first phase of a detection recipe that asks for it (<see cref="TrainingRecipe.BackbonePretrainEpochs"/>): DETR
/// starts its backbone from ImageNet classification weights; a small preset without such weights (resnet_mnist) is first
/// trained as a classifier on a data set of its own (MNIST) with the same trainer, in <c>OUT/backbone/</c>. The phase is
/// done once <c>OUT/backbone/pretrained.safetensors</c> exists: a resumed run reuses it, an interrupted phase resumes.
/// Data-parallel like the detection phase (<see cref="TrainOptions.Group"/>); rank 0 alone writes.
/// </summary>
public static class BackbonePretraining
{
    public const string Folder = "backbone", Weights = "pretrained.safetensors";

    /// <summary>The digit sizes (ink, pixels) of a canvas pretraining: the digit scenes' 16-48, as far as the canvas holds them.</summary>
    public const int CanvasDigitMin = 16, CanvasDigitMax = 48;

    /// <summary>The phase's weights file, after training it unless done; null when it was interrupted.</summary>
    /// <param name="backbone">the ResNet preset of the DETR's backbone</param>
    /// <param name="o">the detection run's options: its seed, out folder, resume/overwrite and time budget</param>
    public static (string? Path, double Seconds) Run(string backbone, TrainingRecipe recipe, TrainOptions o, CancellationToken ct, TrainingProgress progress)
    {
        var dir = Path.Combine(o.OutDir, Folder);
        var done = Path.Combine(dir, Weights);
        var group = o.Group;
        bool lead = group.Rank == 0;
        // Every rank has looked for the phase's weights before rank 0 clears them.
        bool reuse = File.Exists(done) && !o.Overwrite;
        group.Barrier();
        if (lead && o.Overwrite && Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        if (reuse)
        {
            progress.Line($"backbone: reusing {done} (the first phase of this run)");
            return (done, 0);
        }
        var defaults = ModelChoice.TrainingDefaults(backbone, recipe.BackbonePretrainDataset);
        var po = new TrainOptions
        {
            Epochs = recipe.BackbonePretrainEpochs, BatchSize = defaults.BatchSize, Lr = defaults.Lr, WeightDecay = defaults.WeightDecay,
            WarmupEpochs = defaults.WarmupEpochs, LabelSmoothing = defaults.LabelSmoothing, ClipGrad = defaults.ClipGrad, Seed = o.Seed,
            OutDir = dir, Resume = o.Resume, MaxMinutes = o.MaxMinutes, Group = group,
        };
        RunDirectory.ThrowIfUnavailable(po.OutDir, po.Resume, po.Overwrite);
        // Every rank has looked at the folder before rank 0 takes it.
        group.Barrier();
        var model = ModelChoice.Create(backbone, o.Seed);
        string dataset = recipe.BackbonePretrainDataset;
        var data = DatasetChoice.Load(dataset, model.ImageSize, progress.Line);
        var (trainTf, testTf) = DatasetChoice.Transforms(dataset, model.InChannels, model.ImageSize, data.Train.Height, defaults.RandomShift);
        if (recipe.BackbonePretrainCanvas > 0)
        {
            // Digits of the scenes' sizes anywhere on a larger canvas, in training and test alike (the last step normalizes).
            var place = new RandomPlace(recipe.BackbonePretrainCanvas, CanvasDigitMin, Math.Min(CanvasDigitMax, (int)(recipe.BackbonePretrainCanvas * RandomPlace.InkFraction)));
            (trainTf, testTf) = (new[] { place, trainTf[^1] }, new[] { place, testTf[^1] });
        }
        po = po with { Metadata = DatasetChoice.Preprocessing(dataset, model.InChannels).ToMetadata() };
        progress.Line(string.Format(CultureInfo.InvariantCulture, "backbone: training {0} on {1} classification first ({2} epochs, batch {3}, lr {4}{6}) -> {5}",
            backbone, dataset, po.Epochs, po.BatchSize, po.Lr, dir,
            recipe.BackbonePretrainCanvas > 0 ? $", digits placed on {recipe.BackbonePretrainCanvas}x{recipe.BackbonePretrainCanvas} canvases" : ""));
        var trainer = new Trainer<Batch>(new ImageClassificationTask(model.Instance, data, trainTf, testTf, po), po)
        {
            OnStep = progress.Step,
            OnEpoch = progress.Epoch,
            Log = line => progress.Line("backbone: " + line),
        };
        var r = trainer.Run(ct);
        if (r.Interrupted) return (null, r.Seconds);
        progress.Line(string.Format(CultureInfo.InvariantCulture, "backbone: {0} test accuracy {1:P2} ({2})", dataset, r["test_accuracy"], r.BestSource));
        if (lead)
        {
            var tmp = done + ".tmp";
            File.Copy(Path.Combine(dir, "best.safetensors"), tmp, overwrite: true);
            File.Move(tmp, done, overwrite: true);
        }
        // The others read the weights once rank 0 has put them there.
        group.Barrier();
        return (done, r.Seconds);
    }
}
