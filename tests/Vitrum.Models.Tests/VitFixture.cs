using Vitrum.Models.Vit;
using Vitrum.Nn.IO;
using Vitrum.Tensors;
using Xunit;

namespace Vitrum.Models.Tests;

/// <summary>The small torchvision ViT of tools/fixtures/gen_vit.py and its reference values, read once.</summary>
public static class VitFixture
{
    public static string Path(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "fixtures", "vit", name);

    /// <summary>torchvision VisionTransformer(image_size=32, patch_size=8, num_layers=2, num_heads=3, hidden_dim=48, mlp_dim=96, num_classes=10).</summary>
    public static readonly VitConfig Small = new()
    {
        ImgSize = 32, PatchSize = 8, EmbedDim = 48, Depth = 2, NumHeads = 3, MlpRatio = 2, NumClasses = 10,
    };

    public static string TorchvisionCheckpoint => Path("small_torchvision.pth");
    public static string TimmCheckpoint => Path("small_timm.safetensors");

    private static readonly Lazy<Dictionary<string, Tensor>> ExpectedValues = new(() => PthFile.Load(Path("small_expected.pth")));

    /// <summary>A reference tensor of small_expected.pth (e.g. "input", "logits", "grads.conv_proj.weight").</summary>
    public static Tensor Expected(string name) => ExpectedValues.Value[name];

    /// <summary>The reference gradients keyed by torchvision parameter name.</summary>
    public static Dictionary<string, Tensor> ExpectedGrads() =>
        ExpectedValues.Value.Where(kv => kv.Key.StartsWith("grads.", StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key["grads.".Length..], kv => kv.Value);

    /// <summary>A model of <paramref name="config"/> (the small one by default) with the torchvision weights loaded, in eval mode.</summary>
    public static VisionTransformer Model(VitConfig? config = null, string? checkpoint = null)
    {
        var model = new VisionTransformer(config ?? Small, seed: 7);
        VitWeights.Load(model, checkpoint ?? TorchvisionCheckpoint);
        model.Eval();
        return model;
    }
}

/// <summary>Agreement measures: the largest deviation relative to the largest reference magnitude.</summary>
public static class Agreement
{
    public static double MaxRelative(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        var e = expected.ToArray();
        var a = actual.ToArray();
        double maxAbs = 0, maxDiff = 0;
        for (int i = 0; i < e.Length; i++)
        {
            Assert.False(float.IsNaN(a[i]) || float.IsInfinity(a[i]), $"non-finite value at {i}");
            maxAbs = Math.Max(maxAbs, Math.Abs(e[i]));
            maxDiff = Math.Max(maxDiff, Math.Abs(e[i] - a[i]));
        }
        return maxAbs == 0 ? maxDiff : maxDiff / maxAbs;
    }

    /// <summary>
    /// Every parameter of <paramref name="model"/> (after a backward pass) has a gradient within <paramref name="tol"/>
    /// of the reference's, keyed by our names; the parameter sets must be equal. Returns the worst deviation.
    /// </summary>
    public static double CheckGradients(Vitrum.Nn.Module model, IReadOnlyDictionary<string, Tensor> expected, double tol)
    {
        var parameters = model.NamedParameters().ToList();
        Assert.Equal(expected.Keys.Order(), parameters.Select(p => p.Name).Order());
        double worst = 0;
        foreach (var (name, p) in parameters)
        {
            Assert.True(p.Grad != null, $"{name} received no gradient");
            worst = Math.Max(worst, Check(expected[name], p.Grad!, tol, $"gradient of {name}"));
        }
        return worst;
    }

    /// <summary>Fails when the relative deviation exceeds <paramref name="tol"/>; returns it for reporting.</summary>
    public static double Check(Tensor expected, Tensor actual, double tol, string what)
    {
        double r = MaxRelative(expected, actual);
        Assert.True(r <= tol, $"{what}: max relative deviation {r:E3} exceeds {tol:E1}");
        return r;
    }
}
