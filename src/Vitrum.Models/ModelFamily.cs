using Vitrum.Nn;
using Vitrum.Tensors;

namespace Vitrum.Models;

/// <summary>The descriptor of a family whose configs are <typeparamref name="TConfig"/>: the casts done once, typed members to implement.</summary>
public abstract class ModelFamily<TConfig> : IModelFamily where TConfig : IModelConfig
{
    public abstract string Name { get; }
    public abstract TaskKind Task { get; }
    public abstract IReadOnlyDictionary<string, IModelConfig> Presets { get; }

    public abstract TConfig Parse(string json, string source);
    public abstract Module Create(TConfig config, ulong seed);
    public abstract Dictionary<string, Tensor> FilterCheckpoint(IReadOnlyDictionary<string, Tensor> checkpoint, TConfig config);
    public abstract IReadOnlyCollection<string> NoWeightDecay(TConfig config);
    public abstract PretrainedCfg? Pretrained(TConfig config);
    public abstract string Describe(TConfig config);
    public virtual TrainingRecipe Recipe(string model, string dataset) => new();

    /// <summary>The config with another class count; a family without a classification head keeps the default, which refuses.</summary>
    public virtual TConfig WithClasses(TConfig config, int numClasses) =>
        throw new ArgumentException($"a '{Name}' model has no classification head to size to {numClasses} classes");

    /// <summary>The config for another input size; a family that takes no images keeps the default, which refuses.</summary>
    public virtual TConfig WithImageSize(TConfig config, int imgSize) =>
        throw new ArgumentException($"a '{Name}' model takes no images, so it has no image size to set to {imgSize}");

    public virtual string? Classifier(TConfig config) => null;

    /// <summary>timm's group_matcher ordinal of a parameter; the default defines no layers.</summary>
    public virtual int? LayerId(string parameter, TConfig config) => null;

    IModelConfig IModelFamily.ParseConfig(string json, string source) => Parse(json, source);
    Module IModelFamily.Create(IModelConfig config, ulong seed) => Create(Typed(config), seed);
    Dictionary<string, Tensor> IModelFamily.FilterCheckpoint(IReadOnlyDictionary<string, Tensor> checkpoint, IModelConfig config) => FilterCheckpoint(checkpoint, Typed(config));
    IReadOnlyCollection<string> IModelFamily.NoWeightDecay(IModelConfig config) => NoWeightDecay(Typed(config));
    PretrainedCfg? IModelFamily.Pretrained(IModelConfig config) => Pretrained(Typed(config));
    string IModelFamily.Describe(IModelConfig config) => Describe(Typed(config));
    IModelConfig IModelFamily.WithClasses(IModelConfig config, int numClasses) => WithClasses(Typed(config), numClasses);
    IModelConfig IModelFamily.WithImageSize(IModelConfig config, int imgSize) => WithImageSize(Typed(config), imgSize);
    string? IModelFamily.Classifier(IModelConfig config) => Classifier(Typed(config));
    int? IModelFamily.LayerId(string parameter, IModelConfig config) => LayerId(parameter, Typed(config));

    private TConfig Typed(IModelConfig config) => config is TConfig t ? t
        : throw new ArgumentException($"the '{Name}' family cannot take a '{config.Family}' config ({config.GetType().Name})");

    /// <summary>Presets of a typed table as the interface lists them.</summary>
    protected static IReadOnlyDictionary<string, IModelConfig> Erase<T>(IReadOnlyDictionary<string, T> presets) where T : IModelConfig =>
        presets.ToDictionary(kv => kv.Key, kv => (IModelConfig)kv.Value, StringComparer.Ordinal);
}
