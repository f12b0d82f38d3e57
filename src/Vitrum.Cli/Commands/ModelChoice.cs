using Vitrum.Models.Vit;
using Vitrum.Nn;
using Vitrum.Tensors;

namespace Vitrum.Cli.Commands;

/// <summary>A model built from a preset name or a JSON config, with what the trainer needs to know about it.</summary>
public sealed record ModelHandle(Module<Tensor, Tensor> Module, string ConfigJson, string[] NoWeightDecay, int InChannels, int ImageSize);

/// <summary>The training recipe a preset is tuned for (the CLI's defaults; every field can be overridden).</summary>
public sealed record TrainingRecipe(int Epochs = 10, int BatchSize = 128, double Lr = 1e-3, double WeightDecay = 0.05, double WarmupEpochs = 1, double LabelSmoothing = 0.1);

public static class ModelChoice
{
    /// <summary>Builds the model named by <paramref name="presetOrConfig"/>: a preset, or a JSON file with "family" and the config fields.</summary>
    public static ModelHandle Create(string presetOrConfig, ulong seed)
    {
        var config = ResolveVit(presetOrConfig);
        return new ModelHandle(new VisionTransformer(config, seed), config.ToJson(), VisionTransformer.NoWeightDecay, config.InChans, config.ImgSize);
    }

    /// <summary>Rebuilds a model from the config stored in a checkpoint's metadata.</summary>
    public static ModelHandle FromConfigJson(string json, string source)
    {
        var config = VitConfig.FromJson(json, source);
        return new ModelHandle(new VisionTransformer(config), config.ToJson(), VisionTransformer.NoWeightDecay, config.InChans, config.ImgSize);
    }

    public static TrainingRecipe TrainingDefaults(string presetOrConfig) => new();

    private static VitConfig ResolveVit(string presetOrConfig)
    {
        if (presetOrConfig.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            if (!File.Exists(presetOrConfig)) throw new CliException($"{presetOrConfig}: no such config file");
            return VitConfig.FromJson(File.ReadAllText(presetOrConfig), presetOrConfig);
        }
        throw new CliException($"unknown model '{presetOrConfig}' (give a JSON config file with \"family\": \"vit\")");
    }
}
