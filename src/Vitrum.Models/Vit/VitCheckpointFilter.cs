using System.Text.RegularExpressions;
using Vitrum.Tensors;

namespace Vitrum.Models.Vit;

/// <summary>
/// Turns a ViT checkpoint into the state dict of <see cref="VisionTransformer"/> (timm's key names), as
/// timm's checkpoint_filter_fn does, without touching the model: a wrapped state dict ("model.", "state_dict.",
/// "module.") is unwrapped, torchvision's VisionTransformer layout is renamed, and a position embedding
/// trained on another grid is resampled to the configured one. Keys it does not know are passed on
/// unchanged, so a checkpoint of another architecture fails in LoadStateDict with its own key names.
/// </summary>
public static partial class VitCheckpointFilter
{
    // torchvision.models.vision_transformer (0.14; mlp.linear_1/linear_2 are the names before 0.13).
    private static readonly (string From, string To)[] TorchvisionTop =
    {
        ("class_token", "cls_token"), ("conv_proj.", "patch_embed.proj."), ("encoder.pos_embedding", "pos_embed"),
        ("encoder.ln.", "norm."), ("heads.head.", "head."),
    };

    private static readonly (string From, string To)[] TorchvisionBlock =
    {
        ("ln_1.", "norm1."), ("self_attention.in_proj_weight", "attn.qkv.weight"), ("self_attention.in_proj_bias", "attn.qkv.bias"),
        ("self_attention.out_proj.", "attn.proj."), ("ln_2.", "norm2."), ("mlp.0.", "mlp.fc1."), ("mlp.linear_1.", "mlp.fc1."),
        ("mlp.3.", "mlp.fc2."), ("mlp.linear_2.", "mlp.fc2."),
    };

    [GeneratedRegex(@"^encoder\.layers\.encoder_layer_(\d+)\.(.+)$")]
    private static partial Regex TorchvisionLayer();

    /// <summary>The checkpoint as <see cref="VisionTransformer"/> keys for a model built from <paramref name="config"/>.</summary>
    /// <exception cref="ArgumentException">the checkpoint's position embedding has no square grid to resample</exception>
    public static Dictionary<string, Tensor> Apply(IReadOnlyDictionary<string, Tensor> checkpoint, VitConfig config)
    {
        var state = CheckpointUnwrap.Unwrap(checkpoint, "pos_embed", "encoder.pos_embedding");
        var result = IsTorchvision(state)
            ? state.ToDictionary(kv => TorchvisionToTimm(kv.Key), kv => kv.Value, StringComparer.Ordinal)
            : new Dictionary<string, Tensor>(state, StringComparer.Ordinal);
        if (result.TryGetValue("pos_embed", out var pos)) result["pos_embed"] = FitPosEmbed(pos, config);
        return result;
    }

    /// <summary>True for torchvision's VisionTransformer keys (conv_proj, class_token, encoder.pos_embedding).</summary>
    public static bool IsTorchvision(IReadOnlyDictionary<string, Tensor> state) =>
        state.ContainsKey("encoder.pos_embedding") || state.ContainsKey("conv_proj.weight") || state.ContainsKey("class_token");

    /// <summary>timm's name of a torchvision key; keys with no timm counterpart are returned unchanged.</summary>
    public static string TorchvisionToTimm(string key)
    {
        var layer = TorchvisionLayer().Match(key);
        if (layer.Success)
        {
            foreach (var (from, to) in TorchvisionBlock)
                if (layer.Groups[2].Value.StartsWith(from, StringComparison.Ordinal))
                    return $"blocks.{layer.Groups[1].Value}.{to}{layer.Groups[2].Value[from.Length..]}";
            return key;
        }
        foreach (var (from, to) in TorchvisionTop)
            if (from.EndsWith('.') ? key.StartsWith(from, StringComparison.Ordinal) : key == from)
                return to + key[from.Length..];
        return key;
    }

    /// <summary>Resamples [1, prefix + g*g, C] to the config's grid when g differs (timm's load-time resampling).</summary>
    private static Tensor FitPosEmbed(Tensor pos, VitConfig config)
    {
        int prefix = config.ClassToken ? 1 : 0;
        bool resizable = pos.Rank == 3 && pos.Shape[0] == 1 && pos.Shape[2] == config.EmbedDim && pos.Shape[1] > prefix;
        if (!resizable || pos.Shape[1] == prefix + config.NumPatches) return pos;
        try { return PosEmbedResample.Resample(pos, prefix, config.GridSize, config.GridSize); }
        catch (ArgumentException e) { throw new ArgumentException($"ViT checkpoint: cannot fit pos_embed {ShapeUtil.Format(pos.Shape)} to a {config.GridSize}x{config.GridSize} grid: {e.Message}", e); }
    }
}
