using Vitrum.Models.Transformer;
using Vitrum.Nn.IO;
using Vitrum.Tensors;

namespace Vitrum.Models.Tests;

/// <summary>The torch.nn.Transformer references of tools/fixtures/gen_transformer.py (tests/fixtures/transformer/).</summary>
public static class TransformerFixture
{
    public const long Bos = 1, Eos = 2;

    /// <summary>post_relu: post-norm ReLU 2+2 layers; pre_gelu: pre-norm GELU 1+2; shared_tied: shared embeddings and a tied generator.</summary>
    public static readonly string[] Cases = ["post_relu", "pre_gelu", "shared_tied"];

    public static string Path(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "fixtures", "transformer", name);

    public static TransformerConfig Config(string name) =>
        TransformerConfig.FromJson(File.ReadAllText(Path(name + "_config.json")), name + "_config.json");

    private static readonly Dictionary<string, Dictionary<string, Tensor>> Cache = new();

    /// <summary>A tensor of NAME_expected.pth ("src", "tgt", "logits", "logit_weights", "greedy", "grads.KEY").</summary>
    public static Tensor Expected(string name, string key)
    {
        lock (Cache)
        {
            if (!Cache.TryGetValue(name, out var d)) Cache[name] = d = PthFile.Load(Path(name + "_expected.pth"));
            return d[key];
        }
    }

    public static Dictionary<string, Tensor> ExpectedGrads(string name)
    {
        Expected(name, "src");
        lock (Cache)
            return Cache[name].Where(kv => kv.Key.StartsWith("grads.", StringComparison.Ordinal))
                .ToDictionary(kv => kv.Key["grads.".Length..], kv => kv.Value);
    }

    /// <summary>The case's model with the reference weights loaded, in eval mode.</summary>
    public static TransformerModel Model(string name)
    {
        var model = new TransformerModel(Config(name), seed: 3);
        TransformerWeights.Load(model, Path(name + ".safetensors"));
        model.Eval();
        return model;
    }
}
