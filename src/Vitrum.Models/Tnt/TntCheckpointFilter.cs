using Vitrum.Models.Vit;
using Vitrum.Tensors;

namespace Vitrum.Models.Tnt;

/// <summary>
/// Turns a TNT checkpoint into the state dict of <see cref="TransformerInTransformer"/> (timm's keys) as timm's
/// tnt.checkpoint_filter_fn does, without touching the model: a wrapped state dict ("model.", "state_dict.",
/// "module.") is unwrapped, the official code's names (outer_pos, inner_pos, inner_attn, outer_mlp, ...) are
/// renamed and its [1, N, C] inner_pos reshaped to [1, C, s, s], its fixed outer_tokens dropped, and a patch_pos
/// of another grid resampled. Checkpoints already in timm's names pass as they are, in either layout: timm's
/// legacy layout (older timm weights) differs in architecture, not only in names, so it loads into a
/// <c>legacy: true</c> config only, and a layout that contradicts the config is refused naming the setting to
/// change. Keys it does not know are passed on unchanged.
/// </summary>
public static class TntCheckpointFilter
{
    // The official code's names, replaced in this order as timm does (each a substring anywhere in the key).
    private static readonly (string From, string To)[] OfficialNames =
    {
        ("outer_pos", "patch_pos"), ("inner_pos", "pixel_pos"), ("patch_embed", "pixel_embed"),
        ("proj_norm1", "norm1_proj"), ("proj_norm2", "norm2_proj"), ("inner_norm1", "norm_in"), ("inner_attn", "attn_in"),
        ("inner_norm2", "norm_mlp_in"), ("inner_mlp", "mlp_in"), ("outer_norm1", "norm_out"), ("outer_attn", "attn_out"),
        ("outer_norm2", "norm_mlp"), ("outer_mlp", "mlp"),
    };

    /// <summary>The checkpoint as <see cref="TransformerInTransformer"/> keys for a model built from <paramref name="config"/>.</summary>
    /// <exception cref="ArgumentException">the checkpoint's layout is not the config's, or its patch_pos has no square grid to resample</exception>
    public static Dictionary<string, Tensor> Apply(IReadOnlyDictionary<string, Tensor> checkpoint, TntConfig config)
    {
        var state = CheckpointUnwrap.Unwrap(checkpoint, "patch_pos", "outer_pos");
        var result = state.ContainsKey("patch_pos") || !IsOfficial(state)
            ? new Dictionary<string, Tensor>(state, StringComparer.Ordinal)
            : state.ToDictionary(kv => OfficialToTimm(kv.Key), kv => kv.Value, StringComparer.Ordinal);
        result.Remove("outer_tokens");
        if (!state.ContainsKey("patch_pos") && !config.Legacy && result.TryGetValue("pixel_pos", out var pixel) && pixel.Rank == 3)
            result["pixel_pos"] = PixelPosGrid(pixel);
        CheckLayout(result, config);
        if (result.TryGetValue("patch_pos", out var pos)) result["patch_pos"] = FitPatchPos(pos, config);
        return result;
    }

    /// <summary>True for the official code's names (outer_pos / inner_pos).</summary>
    public static bool IsOfficial(IReadOnlyDictionary<string, Tensor> state) =>
        state.ContainsKey("outer_pos") || state.ContainsKey("inner_pos");

    /// <summary>timm's name of an official key; keys with nothing to rename are returned unchanged.</summary>
    public static string OfficialToTimm(string key)
    {
        foreach (var (from, to) in OfficialNames) key = key.Replace(from, to, StringComparison.Ordinal);
        return key;
    }

    /// <summary>
    /// True for timm's legacy block layout (a biased proj without norm2_proj), false for the current one, null
    /// when the checkpoint has no block to tell by.
    /// </summary>
    public static bool? IsLegacyLayout(IReadOnlyDictionary<string, Tensor> state) =>
        state.ContainsKey("blocks.0.norm2_proj.weight") ? false
            : state.ContainsKey("blocks.0.proj.bias") ? true
            : null;

    private static void CheckLayout(IReadOnlyDictionary<string, Tensor> state, TntConfig config)
    {
        if (IsLegacyLayout(state) is not bool legacy || legacy == config.Legacy) return;
        throw new ArgumentException(legacy
            ? "TNT checkpoint: timm's legacy layout (blocks.0.proj.bias, no blocks.0.norm2_proj), which needs \"legacy\": true in the config (as tnt_s_legacy_patch16_224)"
            : "TNT checkpoint: the current layout (blocks.0.norm2_proj), which needs \"legacy\": false in the config");
    }

    /// <summary>The official [1, s*s, C] pixel embedding as timm's [1, C, s, s].</summary>
    private static Tensor PixelPosGrid(Tensor pos)
    {
        int n = pos.Shape[1], s = (int)Math.Round(Math.Sqrt(n));
        if (pos.Shape[0] != 1 || s * s != n)
            throw new ArgumentException($"TNT checkpoint: inner_pos {ShapeUtil.Format(pos.Shape)} is not [1, s*s, C]");
        return pos.Transpose(1, 2).Reshape(1, pos.Shape[2], s, s);
    }

    /// <summary>Resamples [1, 1 + g*g, C] to the config's grid when g differs (timm's load-time resampling).</summary>
    private static Tensor FitPatchPos(Tensor pos, TntConfig config)
    {
        bool resizable = pos.Rank == 3 && pos.Shape[0] == 1 && pos.Shape[2] == config.EmbedDim && pos.Shape[1] > 1;
        if (!resizable || pos.Shape[1] == 1 + config.NumPatches) return pos;
        try { return PosEmbedResample.Resample(pos, 1, config.GridSize, config.GridSize); }
        catch (ArgumentException e) { throw new ArgumentException($"TNT checkpoint: cannot fit patch_pos {ShapeUtil.Format(pos.Shape)} to a {config.GridSize}x{config.GridSize} grid: {e.Message}", e); }
    }
}
