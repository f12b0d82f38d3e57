using Vitrum.Nn;
using Vitrum.Tensors;

namespace Vitrum.Models;

/// <summary>
/// One model family (a folder of Models, e.g. <c>Vit/</c>) as the layers above see it, gathered in one descriptor as
/// timm's <c>build_model_with_cfg</c> + <c>pretrained_cfg</c> gather it: config parsing and presets, model creation,
/// the checkpoint filter for every layout the reference implementations save, the task kind, the preprocessing, the
/// no-weight-decay rule and the training recipes. <see cref="ModelRegistry"/> lists the descriptors.
/// </summary>
public interface IModelFamily
{
    /// <summary>The <c>"family"</c> tag of JSON configs ("vit").</summary>
    string Name { get; }

    TaskKind Task { get; }

    /// <summary>The named architectures (timm's registered names where they exist).</summary>
    IReadOnlyDictionary<string, IModelConfig> Presets { get; }

    /// <exception cref="ArgumentException">invalid JSON, unknown fields or inconsistent values (the message names <paramref name="source"/> and the field)</exception>
    IModelConfig ParseConfig(string json, string source);

    /// <summary>A freshly initialized model; the same seed gives the same weights.</summary>
    Module Create(IModelConfig config, ulong seed);

    /// <summary>
    /// A checkpoint in any layout the references save (detected from its keys: wrappers such as <c>{'model': ...}</c>,
    /// torchvision's names, older timm layouts) mapped to this family's state-dict keys for <paramref name="config"/>.
    /// A pure function: unknown keys pass through, so a wrong checkpoint fails naming its own keys.
    /// </summary>
    Dictionary<string, Tensor> FilterCheckpoint(IReadOnlyDictionary<string, Tensor> checkpoint, IModelConfig config);

    /// <summary>Parameter names that get no weight decay beyond biases and norms (timm's <c>no_weight_decay()</c>).</summary>
    IReadOnlyCollection<string> NoWeightDecay(IModelConfig config);

    /// <summary>The evaluation preprocessing of an image model (null for a family that takes no images).</summary>
    PretrainedCfg? Pretrained(IModelConfig config);

    /// <summary>The recipe a preset is tuned for on a data set (general defaults for other pairs).</summary>
    /// <param name="model">a preset name or a config file's name</param>
    /// <param name="dataset">a data set name or folder</param>
    TrainingRecipe Recipe(string model, string dataset);

    /// <summary>One line on the architecture for error messages ("ViT embed_dim 192, depth 12, ...").</summary>
    string Describe(IModelConfig config);

    /// <summary>The config with a classifier of <paramref name="numClasses"/> outputs (timm's <c>create_model(num_classes=N)</c>).</summary>
    /// <exception cref="ArgumentException">the family has no classification head, or the count is invalid</exception>
    IModelConfig WithClasses(IModelConfig config, int numClasses);

    /// <summary>The config for <paramref name="imgSize"/> x <paramref name="imgSize"/> inputs (timm's <c>create_model(img_size=N)</c>).</summary>
    /// <exception cref="ArgumentException">the family takes no images, or the size does not fit the architecture (the message names the field)</exception>
    IModelConfig WithImageSize(IModelConfig config, int imgSize);

    /// <summary>
    /// The state-dict prefix of the classification head ("head", Swin's "head.fc"; timm's <c>pretrained_cfg['classifier']</c>),
    /// which fine-tuning re-initialises when the class count differs; null for a family without one.
    /// </summary>
    string? Classifier(IModelConfig config);

    /// <summary>
    /// The layer ordinal of a parameter for layer-wise learning-rate decay, as timm's <c>group_matcher</c> orders it:
    /// the embeddings lowest, then the blocks in order, the final norm with the last block, the head (and anything
    /// unmatched) highest. Only the order matters (<see cref="Vitrum.Nn.Optim.ParamGroup.LayerDecaySplit"/> numbers the
    /// ordinals present). Null when the family defines no layers.
    /// </summary>
    int? LayerId(string parameter, IModelConfig config);
}
