using System.Text.Json;
using Vitrum.Data.Images;
using Vitrum.Data.Transforms;
using Vitrum.Models.Transformer;
using Vitrum.Models.Vit;
using Vitrum.Nn.IO;
using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;
using Xunit;

namespace Vitrum.Training.Tests;

public class ImageClassifierTests : IDisposable
{
    private static readonly VitConfig Tiny = new() { ImgSize = 16, PatchSize = 8, InChans = 3, NumClasses = 7, EmbedDim = 16, Depth = 1, NumHeads = 2 };
    private static readonly string[] Names = { "ant", "bee", "cat", "dog", "eel", "fox", "gnu" };
    private readonly string _dir = Directory.CreateTempSubdirectory("vitrum-classifier-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string Weights(VisionTransformer model, Dictionary<string, string> meta)
    {
        var path = Path.Combine(_dir, $"w{meta.Count}-{Guid.NewGuid():N}.safetensors");
        SafetensorsWriter.Save(path, model.StateDict(), meta);
        return path;
    }

    private string Image(int w, int h, int channels)
    {
        var rng = new Random(w * 31 + h);
        var path = Path.Combine(_dir, $"img-{w}x{h}x{channels}.png");
        ImageFile.SavePng(path, new DecodedImage(w, h, channels, Enumerable.Range(0, w * h * channels).Select(_ => (byte)rng.Next(256)).ToArray()));
        return path;
    }

    /// <summary>What the trainer leaves in best.safetensors is enough to predict: config, class names and normalization.</summary>
    [Fact]
    public void Weights_with_trainer_metadata_predict_the_top_classes_of_an_image_as_the_model_does()
    {
        var model = new VisionTransformer(Tiny, seed: 9);
        var pre = new Preprocess(new[] { 0.4f, 0.5f, 0.6f }, new[] { 0.2f, 0.25f, 0.3f });
        var meta = new Dictionary<string, string>(pre.ToMetadata()) { ["config"] = Tiny.ToJson(), ["classes"] = JsonSerializer.Serialize(Names) };
        var classifier = ImageClassifier.Load(Weights(model, meta));
        var img = Image(20, 18, 3);
        var top = classifier.Predict(img, top: 5);

        model.Eval();
        float[] expected;
        using (GradMode.NoGrad()) expected = Ops.Softmax(model.Forward(pre.LoadBatch(new[] { img }, 3, 16, out _)), -1).ToArray();
        var order = Enumerable.Range(0, 7).OrderByDescending(j => expected[j]).Take(5).ToArray();
        Assert.Equal(order, top.Select(c => c.Class));
        Assert.Equal(order.Select(j => Names[j]), top.Select(c => c.Label));
        for (int i = 0; i < 5; i++) Assert.Equal(expected[order[i]], top[i].Probability, 1e-6f);
        Assert.Equal(pre.Mean, classifier.Preprocess.Mean);
        Assert.Equal(Names, classifier.Classes);
    }

    [Fact]
    public void Without_class_names_or_normalization_it_uses_indices_and_the_vit_defaults()
    {
        var classifier = ImageClassifier.Load(Weights(new VisionTransformer(Tiny, seed: 2), new() { ["config"] = Tiny.ToJson() }));
        Assert.Equal(Enumerable.Range(0, 7).Select(i => i.ToString()), classifier.Classes);
        Assert.Equal(new[] { 0.5f, 0.5f, 0.5f }, classifier.Preprocess.Mean);
        Assert.Equal(new[] { 0.5f, 0.5f, 0.5f }, classifier.Preprocess.Std);
        Assert.Equal(0.9, classifier.Preprocess.CropPct);
        var top = classifier.Predict(Image(16, 16, 3), top: 10);
        Assert.Equal(7, top.Count);
        Assert.Equal(1.0, top.Sum(c => c.Probability), 5);
        Assert.True(top.Zip(top.Skip(1)).All(p => p.First.Probability >= p.Second.Probability));
    }

    [Fact]
    public void Weights_without_a_config_or_of_a_transformer_or_with_wrong_class_names_are_refused_naming_the_file()
    {
        var model = new VisionTransformer(Tiny);
        var noConfig = Weights(model, new());
        Assert.Contains(Path.GetFileName(noConfig) + " does not say which model", Assert.Throws<ArgumentException>(() => ImageClassifier.Load(noConfig)).Message);

        var t = TinyG2P.Config(8);
        var seq = Path.Combine(_dir, "seq.safetensors");
        SafetensorsWriter.Save(seq, new TransformerModel(t).StateDict(), new Dictionary<string, string> { ["config"] = t.ToJson() });
        Assert.Contains("seq.safetensors holds a 'transformer' model, which does not classify images", Assert.Throws<ArgumentException>(() => ImageClassifier.Load(seq)).Message);

        var wrongNames = Weights(model, new() { ["config"] = Tiny.ToJson(), ["classes"] = JsonSerializer.Serialize(Enumerable.Range(0, 8).Select(i => $"c{i}")) });
        Assert.Contains("names 8 classes but the model predicts 7", Assert.Throws<ArgumentException>(() => ImageClassifier.Load(wrongNames)).Message);

        var other = Weights(model, new() { ["config"] = (Tiny with { EmbedDim = 32 }).ToJson() });
        Assert.Contains("is not a checkpoint of this ViT", Assert.Throws<ArgumentException>(() => ImageClassifier.Load(other)).Message);
        Assert.Throws<FileNotFoundException>(() => ImageClassifier.Load(Path.Combine(_dir, "missing.safetensors")));
    }

    /// <summary>A run with --num-classes above the data set's class count has outputs without a name: they are named by their index.</summary>
    [Fact]
    public void Outputs_beyond_the_recorded_class_names_are_named_by_their_index()
    {
        var classifier = ImageClassifier.Load(Weights(new VisionTransformer(Tiny), new() { ["config"] = Tiny.ToJson(), ["classes"] = "[\"cat\",\"dog\"]" }));
        Assert.Equal(new[] { "cat", "dog", "2", "3", "4", "5", "6" }, classifier.Classes);
    }

    [Fact]
    public void A_grey_image_for_a_colour_model_is_predicted_as_its_grey_repeated_into_rgb()
    {
        var classifier = ImageClassifier.Load(Weights(new VisionTransformer(Tiny), new() { ["config"] = Tiny.ToJson() }));
        var grey = ImageFile.Load(Image(16, 16, 1));
        var repeated = Path.Combine(_dir, "repeated.png");
        ImageFile.SavePng(repeated, new DecodedImage(16, 16, 3, grey.Pixels.SelectMany(v => new[] { v, v, v }).ToArray()));
        var both = classifier.Predict([Path.Combine(_dir, "img-16x16x1.png"), repeated], top: 7);
        Assert.Equal(both[1], both[0]);
    }

    [Fact]
    public void TopK_orders_by_probability_keeps_the_first_of_ties_and_stops_at_the_class_count()
    {
        var top = ImageClassifier.TopK(new[] { 0.1f, 0.4f, 0.1f, 0.4f }, new[] { "a", "b", "c", "d" }, 3);
        Assert.Equal(new[] { ("b", 1), ("d", 3), ("a", 0) }, top.Select(c => (c.Label, c.Class)));
        Assert.Equal(4, ImageClassifier.TopK(new[] { 0.1f, 0.4f, 0.1f, 0.4f }, new[] { "a", "b", "c", "d" }, 9).Length);
    }
}
