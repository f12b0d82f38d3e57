using System.Globalization;
using System.Text.RegularExpressions;
using Vitrum.Tensors;

namespace Vitrum.Models.Swin;

/// <summary>
/// Turns a Swin checkpoint into the state dict of <see cref="SwinTransformer"/> (timm >= 0.9 key names), as
/// timm's checkpoint_filter_fn renames, without touching the model or the tensors: a wrapped state dict
/// ("model.", "state_dict.", "module.") is unwrapped, torchvision's layout and timm's older layout (also the
/// original Microsoft checkpoints') are renamed, and the buffers the model recomputes
/// (<c>relative_position_index</c>, <c>attn_mask</c>) are dropped. Keys it does not know are passed on
/// unchanged, so a checkpoint of another architecture fails in LoadStateDict with its own key names. Patch
/// merging needs no permutation: torchvision's x0..x3 concatenation, timm's reshape and the original code all
/// order the 2x2 group (0,0), (1,0), (0,1), (1,1). Unlike timm, relative position tables of another window
/// size are not resized.
/// </summary>
public static partial class SwinCheckpointFilter
{
    // torchvision.models.swin_transformer (0.14): features = [stem, stage 0, merging, stage 1, merging, ...].
    [GeneratedRegex(@"^features\.0\.0\.(.+)$")]
    private static partial Regex TorchvisionPatchProj();

    [GeneratedRegex(@"^features\.0\.2\.(.+)$")]
    private static partial Regex TorchvisionPatchNorm();

    [GeneratedRegex(@"^features\.(\d+)\.(\d+)\.(.+)$")]
    private static partial Regex TorchvisionBlock();

    [GeneratedRegex(@"^features\.(\d+)\.((?:reduction|norm)\..+)$")]
    private static partial Regex TorchvisionMerging();

    [GeneratedRegex(@"^layers\.(\d+)\.downsample\.(.+)$")]
    private static partial Regex Downsample();

    private static readonly (string From, string To)[] TorchvisionMlp = { ("mlp.0.", "mlp.fc1."), ("mlp.3.", "mlp.fc2.") };

    /// <summary>The checkpoint as <see cref="SwinTransformer"/> keys.</summary>
    public static Dictionary<string, Tensor> Apply(IReadOnlyDictionary<string, Tensor> checkpoint)
    {
        var state = CheckpointUnwrap.Unwrap(checkpoint, "patch_embed.proj.weight", "features.0.0.weight");
        Func<string, string> rename = IsTorchvision(state) ? TorchvisionToTimm : IsOldTimm(state) ? OldTimmToTimm : k => k;
        return state.Where(kv => !IsRecomputedBuffer(kv.Key))
            .ToDictionary(kv => rename(kv.Key), kv => kv.Value, StringComparer.Ordinal);
    }

    /// <summary>True for torchvision's SwinTransformer keys (everything but the final norm and head under <c>features.</c>).</summary>
    public static bool IsTorchvision(IReadOnlyDictionary<string, Tensor> state) =>
        state.Keys.Any(k => k.StartsWith("features.", StringComparison.Ordinal));

    /// <summary>
    /// True for timm's layout before 0.9 (and the original code's): merging at the end of stages 0..S-2
    /// (<c>layers.0.downsample</c>) and the classifier as <c>head</c>. timm itself tests only for <c>head.fc.weight</c>,
    /// which misreads a headless current checkpoint.
    /// </summary>
    public static bool IsOldTimm(IReadOnlyDictionary<string, Tensor> state) =>
        state.Keys.Any(k => k.StartsWith("layers.0.downsample.", StringComparison.Ordinal)) || state.ContainsKey("head.weight");

    /// <summary>timm's name of a torchvision key; keys with no timm counterpart are returned unchanged.</summary>
    public static string TorchvisionToTimm(string key)
    {
        if (TorchvisionPatchProj().Match(key) is { Success: true } proj) return "patch_embed.proj." + proj.Groups[1].Value;
        if (TorchvisionPatchNorm().Match(key) is { Success: true } pnorm) return "patch_embed.norm." + pnorm.Groups[1].Value;
        if (TorchvisionMerging().Match(key) is { Success: true } merge && Index(merge) is int m && m >= 2 && m % 2 == 0)
            return $"layers.{m / 2}.downsample.{merge.Groups[2].Value}";
        if (TorchvisionBlock().Match(key) is { Success: true } block && Index(block) is int f && f % 2 == 1)
        {
            string rest = block.Groups[3].Value;
            foreach (var (from, to) in TorchvisionMlp)
                if (rest.StartsWith(from, StringComparison.Ordinal)) rest = to + rest[from.Length..];
            return $"layers.{(f - 1) / 2}.blocks.{block.Groups[2].Value}.{rest}";
        }
        if (key.StartsWith("head.", StringComparison.Ordinal)) return "head.fc." + key["head.".Length..];
        return key;
    }

    /// <summary>The current name of a key of timm's older layout: merging moves to the start of the next stage, <c>head</c> becomes <c>head.fc</c>.</summary>
    public static string OldTimmToTimm(string key)
    {
        if (Downsample().Match(key) is { Success: true } d)
            return $"layers.{int.Parse(d.Groups[1].Value, CultureInfo.InvariantCulture) + 1}.downsample.{d.Groups[2].Value}";
        if (key.StartsWith("head.", StringComparison.Ordinal) && !key.StartsWith("head.fc.", StringComparison.Ordinal))
            return "head.fc." + key["head.".Length..];
        return key;
    }

    private static bool IsRecomputedBuffer(string key) =>
        key.EndsWith("relative_position_index", StringComparison.Ordinal) || key.EndsWith("attn_mask", StringComparison.Ordinal);

    private static int? Index(Match m) => int.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int i) ? i : null;
}
