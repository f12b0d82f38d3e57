using Vitrum.Models;
using Vitrum.Models.Detr;
using Vitrum.Nn;
using Vitrum.Tensors;

namespace Vitrum.Cli.Commands;

/// <summary>An image model built from a preset name or a JSON config, with what the commands need to know about it.</summary>
public sealed record ModelHandle(ModelInstance Instance)
{
    public Module<Tensor, Tensor> Module => Instance.Classifier;
    public Module<ImageBatch, DetrOutput> Detector => Instance.Detector;
    public string ConfigJson => Instance.ConfigJson;
    public IReadOnlyCollection<string> NoWeightDecay => Instance.NoWeightDecay;
    public PretrainedCfg Pretrained => Instance.Pretrained ?? throw new CliException($"a '{Instance.Family.Name}' model takes no images");
    public int InChannels => Pretrained.InChans;
    public int ImageSize => Pretrained.ImageSize;

    /// <summary>The metadata of the weights file it was loaded from (empty for a fresh model).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();
}

public static class ModelChoice
{
    /// <summary>The config named by <paramref name="presetOrConfig"/>: a preset, or a JSON file with "family" and the config fields.</summary>
    public static IModelConfig Config(string presetOrConfig)
    {
        try { return ModelRegistry.Resolve(presetOrConfig); }
        catch (FileNotFoundException e) { throw new CliException(e.Message); }
    }

    /// <summary>Builds the image model named by <paramref name="presetOrConfig"/>.</summary>
    public static ModelHandle Create(string presetOrConfig, ulong seed) => Create(Config(presetOrConfig), seed);

    /// <summary>What the model does, which decides how a command drives it.</summary>
    public static TaskKind TaskOf(IModelConfig config) => ModelRegistry.Family(config).Task;

    /// <summary>Builds an image model of <paramref name="config"/>: an image classifier, or a model of <paramref name="task"/>.</summary>
    public static ModelHandle Create(IModelConfig config, ulong seed, TaskKind task = TaskKind.Classify)
    {
        var family = ModelRegistry.Family(config);
        if (family.Task != task)
            throw new CliException(task == TaskKind.Classify ? $"a '{family.Name}' model ({family.Task}) is not an image classifier"
                : $"a '{family.Name}' model ({family.Task}) is not a {task} model");
        return new ModelHandle(ModelRegistry.Build(config, seed));
    }

    /// <summary>Rebuilds a model from the config stored in a checkpoint's metadata.</summary>
    public static ModelHandle FromConfigJson(string json, string source) => Create(ModelRegistry.ParseJson(json, source), 0);

    /// <summary>The recipe the family gives <paramref name="presetOrConfig"/> on <paramref name="dataset"/>: the defaults of <c>train</c>.</summary>
    public static TrainingRecipe TrainingDefaults(string presetOrConfig, string dataset = "") =>
        ModelRegistry.Recipe(presetOrConfig, Config(presetOrConfig), dataset);
}
