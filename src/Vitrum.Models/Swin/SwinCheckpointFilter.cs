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
/// order the 2x2 group (0,0), (1,0), (0,1), (1,1). Given the config, relative position tables of another window
/// size (a checkpoint of another window_size, or an img_size whose maps are smaller than the window) are resized
/// bicubically per head as timm's resize_rel_pos_bias_table_simple does; timm's Swin filter, with scipy installed,
/// uses BEiT's geometric-progression interpolation instead, which gives different values.
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

    [GeneratedRegex(@"^layers\.(\d+)\.blocks\.\d+\.attn\.relative_position_bias_table$")]
    private static partial Regex Table();

    /// <summary>The checkpoint as <see cref="SwinTransformer"/> keys, its relative position tables fitted to <paramref name="config"/>'s windows when one is given.</summary>
    /// <exception cref="ArgumentException">a table to resize is not [(2w-1)^2, heads]</exception>
    public static Dictionary<string, Tensor> Apply(IReadOnlyDictionary<string, Tensor> checkpoint, SwinConfig? config = null)
    {
        var state = CheckpointUnwrap.Unwrap(checkpoint, "patch_embed.proj.weight", "features.0.0.weight");
        Func<string, string> rename = IsTorchvision(state) ? TorchvisionToTimm : IsOldTimm(state) ? OldTimmToTimm : k => k;
        var result = state.Where(kv => !IsRecomputedBuffer(kv.Key))
            .ToDictionary(kv => rename(kv.Key), kv => kv.Value, StringComparer.Ordinal);
        if (config == null) return result;
        foreach (var key in result.Keys.ToList())
            if (Table().Match(key) is { Success: true } m && Index(m) is int stage && stage < config.NumLayers)
                result[key] = ResizeTable(result[key], config.StageWindow(stage), key);
        return result;
    }

    /// <summary>A [(2s-1)^2, heads] relative position table resized to a w x w window's [(2w-1)^2, heads] (bicubic, align_corners false).</summary>
    /// <param name="name">the table's key, for the message</param>
    public static Tensor ResizeTable(Tensor table, int window, string name = "relative_position_bias_table")
    {
        int dst = 2 * window - 1;
        if (table.Rank == 2 && table.Shape[0] == dst * dst) return table;
        int src = table.Rank == 2 ? (int)Math.Round(Math.Sqrt(table.Shape[0])) : 0;
        if (src * src != (table.Rank == 2 ? table.Shape[0] : -1) || src % 2 == 0)
            throw new ArgumentException($"Swin checkpoint: {name} {ShapeUtil.Format(table.Shape)} is not [(2w-1)^2, heads], so it cannot be resized to window {window}");
        int heads = table.Shape[1];
        var grid = table.Transpose(0, 1).Reshape(1, heads, src, src);                                  // [1, heads, 2s-1, 2s-1]
        var resized = Ops.Interpolate(grid, (dst, dst), InterpolateMode.Bicubic, alignCorners: false);  // [1, heads, 2w-1, 2w-1]
        return resized.Reshape(heads, dst * dst).Transpose(0, 1).Contiguous();
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
