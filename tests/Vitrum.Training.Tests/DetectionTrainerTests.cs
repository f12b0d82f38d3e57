using System.Text.Json;
using Vitrum.Data.Detection;
using Vitrum.Models;
using Vitrum.Models.Detr;
using Vitrum.Nn.IO;
using Vitrum.Training.Coco;
using Vitrum.Training.Tasks;
using Xunit;

namespace Vitrum.Training.Tests;

/// <summary>DETR through the one trainer loop (<see cref="DetectionTask"/>) on <see cref="TinyScenes"/>.</summary>
public class DetectionTrainerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vitrum-detect-").FullName;
    private readonly string _scenes;

    public DetectionTrainerTests() => _scenes = TinyScenes.Write(Path.Combine(_dir, "scenes"));

    public void Dispose() => Directory.Delete(_dir, true);

    private static readonly TrainOptions Tiny = new() { Epochs = 8, BatchSize = 4, Lr = 2e-3, WeightDecay = 1e-4, WarmupEpochs = 0, MinLr = 1e-4, ClipGrad = 0.1, Seed = 7 };

    private DetectionTask Task(TrainOptions o, DetectionOptions? detection = null, string? config = null)
    {
        var model = ModelRegistry.Build(ModelRegistry.ParseJson(config ?? TinyScenes.ConfigJson), seed: 3);
        var norm = new Compose(new Normalize(new[] { 0.2f }, new[] { 0.4f }));
        DetectionDataset Split(DigitScenesSplit s) => DigitScenes.Load(_scenes, s, channels: 1);
        return new DetectionTask(model, new DetectionData(Split(DigitScenesSplit.Train), Split(DigitScenesSplit.Val), Split(DigitScenesSplit.Test), norm, norm), o, detection);
    }

    private (TrainResult Result, List<EpochRecord> Epochs, DetectionTask Task) Train(string name, TrainOptions o, string? config = null)
    {
        o = o with { OutDir = Path.Combine(_dir, name) };
        var epochs = new List<EpochRecord>();
        var task = Task(o, config: config);
        return (new Trainer<DetectionBatch>(task, o) { OnEpoch = epochs.Add }.Run(), epochs, task);
    }

    [Fact]
    public void A_tiny_detr_learns_the_scenes_and_reports_every_loss_term_each_epoch_and_twelve_coco_numbers_at_the_end()
    {
        var (r, epochs, task) = Train("learn", Tiny);
        Assert.False(r.Interrupted);
        Assert.Equal(8, epochs.Count);
        foreach (var key in DetectionTask.TermNames.Select(t => "train_" + t).Concat(new[] { "val_ap", "val_ap50", "val_ap75" }))
            Assert.All(epochs, e => Assert.True(double.IsFinite(e[key]), $"epoch {e.Epoch} {key} = {e[key]}"));
        var (first, last) = (epochs[0], epochs[^1]);
        // 16 steps on 8 scenes (a random backbone whose stem is frozen): the boxes and the classes both start to fit.
        Assert.True(last.TrainLoss < 0.85 * first.TrainLoss, $"train loss {first.TrainLoss:F3} -> {last.TrainLoss:F3}");
        Assert.True(last["train_loss_bbox"] < 0.75 * first["train_loss_bbox"], $"loss_bbox {first["train_loss_bbox"]:F3} -> {last["train_loss_bbox"]:F3}");
        Assert.True(last["train_loss_ce"] < 0.85 * first["train_loss_ce"], $"loss_ce {first["train_loss_ce"]:F3} -> {last["train_loss_ce"]:F3}");
        Assert.Equal(CocoEvalNames.Select(n => "test_" + n), r.Test.Select(m => m.Key));
        Assert.All(r.Test, m => Assert.InRange(m.Value, -1, 1));
        Assert.Equal(epochs.Max(e => e["val_ap"]), r.Best);
        // Every query of every image is a detection, scored and placed in the image's pixels, labelled by category id.
        var val = DigitScenes.Load(_scenes, DigitScenesSplit.Val, channels: 1);
        var detections = DetrEvaluation.Detect(task.Model.Detector, val, new Compose(new Normalize(new[] { 0.2f }, new[] { 0.4f })), batchSize: 3);
        Assert.Equal(val.Count * 6, detections.Count);
        Assert.Equal(val.Coco.Images.Select(i => i.Id).Order(), detections.Select(d => d.ImageId).Distinct().Order());
        Assert.All(detections, d => Assert.InRange(d.Score, 0, 1));
        Assert.All(detections, d => Assert.InRange(d.CategoryId, 0, 10));
        Assert.All(detections, d => Assert.InRange(d.Bbox.X + d.Bbox.Width / 2, 0, 64));
        Assert.Contains(detections, d => d.Bbox.Width > 6.4);
        // The weights name the classes by id (0 is no digit's id), so detect labels a box "7", not "8".
        Assert.Equal(["N/A", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9"], JsonSerializer.Deserialize<string[]>(task.WeightsMetadata["classes"])!);
        using var line = JsonDocument.Parse(File.ReadAllLines(Path.Combine(_dir, "learn", "metrics.jsonl"))[^1]);
        foreach (var key in new[] { "train_loss", "train_class_accuracy", "train_loss_ce", "train_class_error", "val_ap", "clipped_steps", "images_per_second" })
            Assert.True(line.RootElement.TryGetProperty(key, out _), $"metrics.jsonl has no {key}");
    }

    private static readonly string[] CocoEvalNames = ["ap", "ap50", "ap75", "ap_small", "ap_medium", "ap_large", "ar1", "ar10", "ar100", "ar_small", "ar_medium", "ar_large"];

    [Fact]
    public void A_run_stopped_mid_epoch_and_resumed_ends_with_the_weights_of_an_uninterrupted_run_bit_for_bit()
    {
        var o = Tiny with { Epochs = 2 };
        var (straight, _, _) = Train("straight", o);
        var (stopped, _, _) = Train("resumed", o with { MaxSteps = 3 });
        Assert.True(stopped.Interrupted);
        var (resumed, _, _) = Train("resumed", o with { Resume = true });
        Assert.Equal(straight.Steps, resumed.Steps);
        using var a = SafetensorsFile.Open(Path.Combine(_dir, "straight", "last.safetensors"));
        using var b = SafetensorsFile.Open(Path.Combine(_dir, "resumed", "last.safetensors"));
        Assert.Equal(a.Entries.Select(e => e.Name), b.Entries.Select(e => e.Name));
        foreach (var e in a.Entries) Assert.True(a.Load(e.Name).ToArray().SequenceEqual(b.Load(e.Name).ToArray()), $"{e.Name} differs after resuming");
        Assert.Equal(straight.Test.Select(m => m.Value), resumed.Test.Select(m => m.Value));
    }

    [Fact]
    public void Denoising_groups_train_report_their_loss_and_a_resumed_run_draws_the_same_noise_bit_for_bit()
    {
        var config = "{\"dn_groups\": 2, " + TinyScenes.ConfigJson.TrimStart()[1..];
        var o = Tiny with { Epochs = 2 };
        var (straight, epochs, task) = Train("dn-straight", o, config);
        Assert.Equal(2, ((DetrConfig)task.Model.Config).DenoisingGroups);
        Assert.All(epochs, e => Assert.True(e["train_dn_loss"] > 0 && double.IsFinite(e["train_dn_loss"]), $"epoch {e.Epoch} train_dn_loss = {e["train_dn_loss"]}"));
        Assert.True(epochs[^1]["train_dn_loss"] < epochs[0]["train_dn_loss"], $"dn loss {epochs[0]["train_dn_loss"]:F3} -> {epochs[^1]["train_dn_loss"]:F3}");
        var (stopped, _, _) = Train("dn-resumed", o with { MaxSteps = 3 }, config);
        Assert.True(stopped.Interrupted);
        var (resumed, _, _) = Train("dn-resumed", o with { Resume = true }, config);
        using var a = SafetensorsFile.Open(Path.Combine(_dir, "dn-straight", "last.safetensors"));
        using var b = SafetensorsFile.Open(Path.Combine(_dir, "dn-resumed", "last.safetensors"));
        Assert.Contains(a.Entries, e => e.Name == "dn_label_embed.weight");
        foreach (var e in a.Entries) Assert.True(a.Load(e.Name).ToArray().SequenceEqual(b.Load(e.Name).ToArray()), $"{e.Name} differs after resuming");
        Assert.Equal(straight.Test.Select(m => m.Value), resumed.Test.Select(m => m.Value));
    }

    [Fact]
    public void The_optimizer_trains_the_backbone_at_a_tenth_of_the_rate_decays_every_weight_and_leaves_the_frozen_stem_out()
    {
        var task = Task(Tiny with { Lr = 2e-4 });
        var opt = task.CreateOptimizer();
        var model = task.Model.Module;
        var frozen = model.NamedParameters().Where(p => !p.Parameter.RequiresGrad).Select(p => p.Name).ToList();
        Assert.Contains("backbone.0.body.conv1.weight", frozen);
        Assert.Contains("backbone.0.body.layer1.0.conv1.weight", frozen);
        Assert.Equal(2, opt.Groups.Count);
        var (main, backbone) = (opt.Groups[0], opt.Groups[1]);
        var names = model.NamedParameters().ToDictionary(p => (object)p.Parameter, p => p.Name, ReferenceEqualityComparer.Instance);
        Assert.All(backbone.Params, p => Assert.StartsWith("backbone.0.body.layer", names[p]));
        Assert.All(main.Params, p => Assert.DoesNotContain("backbone", names[p]));
        Assert.Equal(model.NamedParameters().Count() - frozen.Count, main.Params.Count + backbone.Params.Count);
        Assert.Equal((1.0, 0.1), (main.LrScale, backbone.LrScale));
        Assert.All(opt.Groups, g => Assert.Equal(1e-4, g.WeightDecay));
        var drop = Task(Tiny, new DetectionOptions(LrDropEpochs: 3)).CreateSchedule();
        Assert.Equal((2e-3, 2e-4), (drop.LrAt(3 * 2 - 1), drop.LrAt(3 * 2)));
    }
}
