using System.Globalization;
using System.Text.Json;
using Vitrum.Data.Detection;
using Vitrum.Models;
using Vitrum.Models.Detr;
using Vitrum.Tensors.Threading;
using Vitrum.Training;
using Vitrum.Training.Coco;
using Vitrum.Training.Tasks;
using Vitrum.Training.Distributed;

namespace Vitrum.Cli.Commands;

/// <summary>
/// <c>vitrum train --model detr_digits --dataset digit-scenes</c>: DETR trained as its main.py trains it
/// (<see cref="DetectionTask"/>), the family's recipe giving the defaults. num_classes is the data set's largest
/// category id + 1; <c>--pretrained</c> starts from a DETR checkpoint (a class head of another size re-initialised, with
/// a note), <c>--backbone-weights</c> from a ResNet classification checkpoint in the backbone; a recipe may first train
/// the backbone as a classifier (<see cref="BackbonePretraining"/>). Ends with the test split's COCO AP of the best weights.
/// Under <c>mpirun</c> every phase trains data-parallel; rank 0 alone builds the data set, reports and writes.
/// </summary>
public static class DetectTrainCommand
{
    private static readonly string[] ImageOptionsAllowed = { "--pretrained", "--num-classes" };

    /// <param name="group">the processes of a data-parallel run (<c>mpirun</c>), or one</param>
    public static int Run(TrainArgs a, IProcessGroup group)
    {
        CliException.ThrowIfGiven(a.Seq2SeqOnlyGiven, "sequence-to-sequence training", "object detection");
        CliException.ThrowIfGiven(a.ImageOnlyGiven.Where(o => !ImageOptionsAllowed.Contains(o)).ToList(), "image classification", "object detection");
        if (!DetectionDatasetChoice.IsDetection(a.Dataset))
            throw new CliException($"model {a.Model} detects objects; --dataset {a.Dataset} is not a detection data set (give {string.Join(", ", DetectionDatasetChoice.Names)} or a folder with annotations/train.json and val.json in COCO format)");
        if (a.Pretrained != null && a.BackboneWeights != null)
            throw new CliException("--pretrained loads a whole DETR, backbone included, and --backbone-weights only its backbone: give one of them");
        var recipe = ModelChoice.TrainingDefaults(a.Model, a.Dataset);
        var o = TrainCommand.Options(a) with { Group = group };
        bool lead = group.Rank == 0;
        if (o.BatchSize % group.Size != 0)
            throw new CliException($"--batch-size {o.BatchSize} is the global batch of the {group.Size} processes and must divide by {group.Size}");
        RunDirectory.ThrowIfUnavailable(o.OutDir, o.Resume, o.Overwrite);
        // Every rank has looked at the folder before rank 0 takes it.
        group.Barrier();
        Action<string> say = msg => { if (lead) Console.Error.WriteLine(msg); };
        var config = (DetrConfig)ModelChoice.Config(a.Model);
        var family = ModelRegistry.Family(config);

        // A built-in data set is written on first use: by rank 0, then the others read it.
        if (!lead) group.Barrier();
        var splits = DetectionDatasetChoice.Load(a.Dataset, config.Body().InChans, say);
        if (lead) group.Barrier();
        int needed = DetectionDatasetChoice.NumClasses(splits.Train);
        if (a.NumClasses is int n && n < needed)
            throw new CliException($"--num-classes {n} is too few for {a.Dataset}: its category ids go up to {needed - 1}, so DETR needs num_classes >= {needed}");
        // A fine-tuning run keeps the checkpoint's architecture: a DETR checkpoint has no training-only query groups to load.
        if (config.GroupDetr == null && recipe.QueryGroups > 1 && a.Pretrained == null) config = config with { GroupDetr = recipe.QueryGroups };
        if (config.DnGroups == null && recipe.DenoisingGroups > 0 && a.Pretrained == null) config = config with { DnGroups = recipe.DenoisingGroups };
        try { config = (DetrConfig)family.WithClasses(config, a.NumClasses ?? needed); }
        catch (ArgumentException e) { throw new CliException(e.Message); }
        var model = ModelRegistry.Build(config, (ulong)a.Seed);
        var detr = (DetrModel)model.Module;
        var cfg = model.Pretrained!;
        var preprocess = DetectionDatasetChoice.Preprocessing(a.Dataset, cfg);
        if (a.Pretrained != null)
        {
            var tensors = WeightsFile.ReadWithMetadata(a.Pretrained, out var metadata);
            try
            {
                var loaded = model.LoadPretrained(tensors, Path.GetFileName(a.Pretrained));
                if (loaded.HeadReinitialised) say($"class_embed: {loaded.CheckpointClasses} -> {loaded.ModelClasses} outputs (num_classes {config.NumClasses} + no object), re-initialised");
            }
            catch (ArgumentException e) { throw new CliException($"--pretrained {e.Message}", ExitCodes.Failure); }
            preprocess = Data.Transforms.Preprocess.FromMetadata(metadata, a.Pretrained) ?? preprocess;
        }
        if (a.BackboneWeights != null) LoadBackbone(detr, a.BackboneWeights, say);

        var progress = new TrainingProgress("class acc", silent: !lead);
        // Every rank hears the launcher's SIGTERM; each says so in one line.
        using var ctrlC = new CtrlC(lead ? progress.Line : Console.Error.WriteLine, group.Size > 1 ? $"rank {group.Rank} of {group.Size}" : null);
        return progress.Run(() =>
        {
            if (a.Pretrained == null && a.BackboneWeights == null && recipe.BackbonePretrainEpochs > 0 && !IsResumedPastPhaseOne(o))
            {
                var (weights, seconds) = BackbonePretraining.Run(config.Backbone, recipe, o, ctrlC.Token, progress);
                if (weights == null)
                {
                    Console.WriteLine($"interrupted while training the backbone; --resume continues from the checkpoint in {Path.Combine(o.OutDir, BackbonePretraining.Folder)}");
                    return 130;
                }
                LoadBackbone(detr, weights, say);
                if (o.MaxMinutes is double budget) o = o with { MaxMinutes = Math.Max(budget - seconds / 60, 1e-3) };
            }
            o = o with { Metadata = preprocess.ToMetadata() };
            var data = DetectionDatasetChoice.Data(a.Dataset, splits, cfg, preprocess);
            var task = new DetectionTask(model, data, o, new DetectionOptions(BackboneLrScale: recipe.BackboneLrScale, LrDropEpochs: recipe.LrDropEpochs));
            var trainer = new Trainer<DetectionBatch>(task, o) { OnStep = progress.Step, OnEpoch = progress.Epoch, Log = progress.Line };
            progress.Line(string.Format(CultureInfo.InvariantCulture,
                "training {0} ({1:N0} parameters, {2:N0} trained; num_classes {3}{15}) on {4} ({5}): {6} epochs{7}, batch {8}, lr {9} (backbone x{10}), {11}, clip {12}, {13} -> {14}",
                a.Model, detr.ParameterCount(), detr.Parameters().Where(p => p.RequiresGrad).Sum(p => (long)p.Numel), config.NumClasses, a.Dataset, data.Describe(),
                o.Epochs, o.MaxMinutes is double m ? $" or {m:F1} minutes" : "", o.BatchSize, o.Lr, recipe.BackboneLrScale,
                recipe.LrDropEpochs is int drop ? $"lr / 10 after epoch {drop}" : "cosine", o.ClipGrad, DataParallel.Describe(group, WorkerPool.ThreadCount), o.OutDir,
                (config.QueryGroups > 1 ? $"; {config.QueryGroups} query groups in training" : "") + (config.DenoisingGroups > 0 ? $"; {config.DenoisingGroups} denoising groups" : "")));
            var r = trainer.Run(ctrlC.Token);
            if (lead) Report(a, r, o.OutDir, group);
            return r.Interrupted ? 130 : 0;
        });
    }

    /// <summary>A resumed run whose detection phase has begun (it has a checkpoint) needs no backbone phase: its weights are in the checkpoint.</summary>
    private static bool IsResumedPastPhaseOne(TrainOptions o) => o.Resume && File.Exists(Path.Combine(o.OutDir, RunDirectory.RunFiles[0]));

    private static void LoadBackbone(DetrModel detr, string path, Action<string> say)
    {
        var tensors = WeightsFile.ReadWithMetadata(path, out _);
        int count;
        try { count = DetrBackboneWeights.Load(detr, tensors, Path.GetFileName(path)); }
        catch (ArgumentException e) { throw new CliException($"--backbone-weights {e.Message}", ExitCodes.Failure); }
        say($"backbone: {count} tensors loaded from {Path.GetFileName(path)} into backbone.0.body");
    }

    private static void Report(TrainArgs a, TrainResult r, string outDir, IProcessGroup group)
    {
        var inv = CultureInfo.InvariantCulture;
        if (a.Json)
        {
            var o = new Dictionary<string, object?>();
            foreach (var name in CocoStats.Names) o["test_" + name] = Measured(r.Final("test_" + name));
            foreach (var name in CocoStats.Names.Take(3)) o["best_test_" + name] = Measured(r["test_" + name]);
            o["best_val_ap"] = Measured(r.Best);
            o["best_epoch"] = r.BestEpoch;
            o["epochs"] = r.Epochs;
            o["steps"] = r.Steps;
            o["seconds"] = Math.Round(r.Seconds, 1);
            o["interrupted"] = r.Interrupted;
            o["time_limit_reached"] = r.TimeLimitReached;
            o["out_dir"] = outDir;
            var chart = Path.Combine(outDir, "chart.png");
            o["chart"] = File.Exists(chart) ? chart : null;
            o["world_size"] = group.Size;
            o["global_batch"] = a.BatchSize ?? ModelChoice.TrainingDefaults(a.Model, a.Dataset).BatchSize;
            Console.WriteLine(JsonSerializer.Serialize(o, FiniteJson.Options));
            return;
        }
        string best = r.BestEpoch != 0 ? string.Format(inv, "best val AP {0:F3}, {1}", r.Best, r.BestSource) : "no validation yet";
        if (r.Interrupted) Console.WriteLine($"interrupted {r.StoppedAt()}; {best}; no test ran; --resume continues from the checkpoint in {outDir}");
        else if (double.IsNaN(r.Final("test_ap")))
            Console.WriteLine(string.Format(inv, "{0} after {1} epochs in {2:F0} s (the data set has no test split); weights in {3}", best, r.Epochs, r.Seconds, outDir));
        else
            Console.WriteLine(string.Format(inv, "test AP {0:F3} (AP50 {1:F3}, AP75 {2:F3}) with the final weights, AP {3:F3} with the best ({4}) after {5} epochs in {6:F0} s; weights in {7}",
                r.Final("test_ap"), r.Final("test_ap50"), r.Final("test_ap75"), r["test_ap"], best, r.Epochs, r.Seconds, outDir));
    }

    private static double? Measured(double v) => double.IsFinite(v) ? v : null;
}
