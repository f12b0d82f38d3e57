using System.Globalization;
using System.Text.Json;
using Vitrum.Data.Transforms;
using Vitrum.Models;
using Vitrum.Nn;
using Vitrum.Nn.IO;
using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;
using Vitrum.Tensors.Memory;

namespace Vitrum.Training;

/// <summary>A class and its probability, as predicted for one image.</summary>
/// <param name="Class">the class index (the model's output position)</param>
public readonly record struct ClassProbability(int Class, string Label, float Probability);

/// <summary>
/// An image classifier ready to predict: a model in evaluation mode, the preprocessing its test split had and
/// its class names. <see cref="Load"/> rebuilds one from a weights file written by Vitrum (a run's
/// best.safetensors or last.safetensors), whose metadata the trainer filled: the model config, the class names
/// and the normalization.
/// </summary>
public sealed class ImageClassifier
{
    public Module<Tensor, Tensor> Model { get; }
    public int InChannels { get; }
    public int ImageSize { get; }
    public Preprocess Preprocess { get; }
    public IReadOnlyList<string> Classes { get; }

    /// <param name="classes">one name per model output</param>
    public ImageClassifier(Module<Tensor, Tensor> model, int inChannels, int imageSize, Preprocess preprocess, IReadOnlyList<string> classes)
    {
        (Model, InChannels, ImageSize, Preprocess, Classes) = (model, inChannels, imageSize, preprocess, classes);
        Model.Eval();
    }

    /// <summary>Rebuilds the model a Vitrum safetensors file describes (its "config" metadata) and loads its weights.</summary>
    /// <exception cref="FileNotFoundException">no such file</exception>
    /// <exception cref="CheckpointFormatException">not a valid safetensors file</exception>
    /// <exception cref="ArgumentException">no model config in the metadata, not an image model, or weights that do not fit it (the message names the file)</exception>
    public static ImageClassifier Load(string weightsPath)
    {
        var name = Path.GetFileName(weightsPath);
        if (!File.Exists(weightsPath)) throw new FileNotFoundException($"{weightsPath}: no such weights file", weightsPath);
        using var file = SafetensorsFile.Open(weightsPath);
        var meta = file.Metadata;
        if (!meta.TryGetValue("config", out var json)) throw new ArgumentException($"{name} does not say which model it holds (no config metadata)");
        ModelInstance model;
        using (Init.Skip()) model = ModelRegistry.Build(ModelRegistry.ParseJson(json, name));
        if (model.Task != TaskKind.Classify || model.Pretrained is not { } cfg)
            throw new ArgumentException($"{name} holds a '{model.Family.Name}' model, which does not classify images");
        using (new TensorScope())
            model.LoadWeights(file.Entries.ToDictionary(e => e.Name, e => file.Load(e.Name), StringComparer.Ordinal), name);
        return new ImageClassifier(model.Classifier, cfg.InChans, cfg.ImageSize, PreprocessFor(meta, cfg, name), ClassNames(meta, cfg.NumClasses, name));
    }

    /// <summary>The preprocessing recorded in the metadata (by the trainer), else the family's pretrained config (timm's <c>pretrained_cfg</c>).</summary>
    public static Preprocess PreprocessFor(IReadOnlyDictionary<string, string> metadata, PretrainedCfg pretrained, string source) =>
        Preprocess.FromMetadata(metadata, source) ?? pretrained.ToPreprocess();

    /// <summary>
    /// The "classes" metadata (a JSON array of names), else the class indices as text. A model trained with more outputs
    /// than its data set had classes (<c>--num-classes</c>) names the extra outputs by their index.
    /// </summary>
    /// <exception cref="ArgumentException">the metadata names more classes than the model has outputs (<paramref name="count"/>)</exception>
    public static string[] ClassNames(IReadOnlyDictionary<string, string> metadata, int count, string source)
    {
        var names = NamedClasses(metadata, count, source) ?? Array.Empty<string>();
        return names.Concat(Enumerable.Range(names.Length, count - names.Length).Select(i => i.ToString(CultureInfo.InvariantCulture))).ToArray();
    }

    /// <summary>The "classes" metadata (a JSON array of names, possibly fewer than the outputs), or null when there is none (or it is not such an array).</summary>
    /// <exception cref="ArgumentException">the metadata names more classes than the model has outputs (<paramref name="count"/>)</exception>
    public static string[]? NamedClasses(IReadOnlyDictionary<string, string> metadata, int count, string source)
    {
        string[]? names = null;
        if (metadata.TryGetValue("classes", out var json))
        {
            try { names = JsonSerializer.Deserialize<string[]>(json); }
            catch (JsonException) { names = null; }
        }
        if (names != null && names.Length > count) throw new ArgumentException($"{source} names {names.Length} classes but the model predicts {count}");
        return names;
    }

    /// <summary>The <paramref name="top"/> most probable classes of an image file (PNG or JPEG), most probable first.</summary>
    public IReadOnlyList<ClassProbability> Predict(string imagePath, int top = 5) => Predict(new[] { imagePath }, top)[0];

    /// <summary>The <paramref name="top"/> most probable classes of each image file, most probable first.</summary>
    /// <exception cref="FileNotFoundException">an image file does not exist</exception>
    /// <exception cref="Vitrum.Data.DataFormatException">an image is malformed (images of other channels are converted to the model's, as PIL's convert does)</exception>
    public IReadOnlyList<ClassProbability>[] Predict(IReadOnlyList<string> imagePaths, int top = 5)
    {
        using var scope = new TensorScope();
        var x = Preprocess.LoadBatch(imagePaths, InChannels, ImageSize, out _);
        Tensor probs;
        using (GradMode.NoGrad()) probs = Ops.Softmax(Model.Forward(x), -1);
        return Enumerable.Range(0, imagePaths.Count).Select(i => TopK(probs.Select(0, i).ToArray(), Classes, top)).ToArray();
    }

    /// <summary>The <paramref name="k"/> largest probabilities (fewer if there are fewer classes) with their labels, largest first (ties: lower index first).</summary>
    public static ClassProbability[] TopK(ReadOnlySpan<float> probabilities, IReadOnlyList<string> labels, int k)
    {
        var p = probabilities.ToArray();
        return Enumerable.Range(0, p.Length).OrderByDescending(j => p[j]).Take(k).Select(j => new ClassProbability(j, labels[j], p[j])).ToArray();
    }
}
