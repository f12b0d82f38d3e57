using Vitrum.Models.Swin;
using Vitrum.Nn.IO;
using Vitrum.Tensors;

namespace Vitrum.Models.Tests;

/// <summary>The torchvision Swin models of tools/fixtures/gen_swin.py and their reference values, read once.</summary>
public static class SwinFixture
{
    public static string Path(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "fixtures", "swin", name);

    /// <summary>torchvision SwinTransformer(patch_size=[2, 2], embed_dim=16, depths=[2, 2, 2], num_heads=[2, 4, 8], window_size=[4, 4], num_classes=10).</summary>
    public static readonly SwinConfig Small = new()
    {
        ImgSize = 26, PatchSize = 2, NumClasses = 10, EmbedDim = 16, Depths = new[] { 2, 2, 2 }, NumHeads = new[] { 2, 4, 8 }, WindowSize = 4,
    };

    /// <summary>Window 8 over maps of 8x8 and 4x4: timm's rule gives stage 1 a window of 4.</summary>
    public static readonly SwinConfig Cover = new()
    {
        ImgSize = 16, PatchSize = 2, NumClasses = 10, EmbedDim = 16, Depths = new[] { 2, 2 }, NumHeads = new[] { 2, 4 }, WindowSize = 8,
    };

    /// <summary>
    /// One swin_tiny_patch4_window7_224 for the tests that need its size (28M parameters take seconds to build): the
    /// full-size parity test loads its weights into it, the others read only its structure.
    /// </summary>
    public static readonly Lazy<SwinTransformer> SwinTiny = new(() =>
    {
        using (Vitrum.Nn.Init.Skip()) return new SwinTransformer(SwinPresets.SwinTinyPatch4Window7_224);
    });

    public static string TorchvisionCheckpoint => Path("small_torchvision.safetensors");
    public static string TimmCheckpoint => Path("small_timm.safetensors");

    private static readonly Lazy<Dictionary<string, Tensor>> SmallExpected = new(() => StateDictFile.Load(Path("small_expected.safetensors")));
    private static readonly Lazy<Dictionary<string, Tensor>> CoverExpected = new(() => StateDictFile.Load(Path("cover_expected.safetensors")));

    /// <summary>A reference tensor of small_expected.safetensors (e.g. "input", "logits", "grads.features.0.0.weight").</summary>
    public static Tensor Expected(string name) => SmallExpected.Value[name];

    /// <summary>A reference tensor of cover_expected.safetensors ("input", "logits").</summary>
    public static Tensor CoverExpectedValue(string name) => CoverExpected.Value[name];

    /// <summary>The reference gradients keyed by torchvision parameter name.</summary>
    public static Dictionary<string, Tensor> ExpectedGrads() =>
        SmallExpected.Value.Where(kv => kv.Key.StartsWith("grads.", StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key["grads.".Length..], kv => kv.Value);

    /// <summary>A model of <paramref name="config"/> (the small one by default) with a checkpoint loaded (the torchvision one by default), in eval mode.</summary>
    public static SwinTransformer Model(SwinConfig? config = null, string? checkpoint = null)
    {
        var model = new SwinTransformer(config ?? Small, seed: 7);
        SwinWeights.Load(model, checkpoint ?? TorchvisionCheckpoint);
        model.Eval();
        return model;
    }
}
