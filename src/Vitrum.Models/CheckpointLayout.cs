using System.Text.RegularExpressions;

namespace Vitrum.Models;

/// <summary>
/// Recognises whose names a checkpoint's keys are (timm's, torchvision's, torch.nn's, Hugging Face's) so that a
/// checkpoint of another architecture is named as such in the error that refuses it, instead of by a list of keys.
/// </summary>
internal static partial class CheckpointLayout
{
    /// <param name="Family">the family that reads this layout (<see cref="IModelFamily.Name"/>), or null when none does</param>
    private sealed record Layout(string Names, string What, string? Family, Regex Keys);

    private static readonly Layout[] Known =
    {
        new("torchvision's ViT", "a ViT checkpoint", "vit", TorchvisionVit()),
        new("torchvision's Swin", "a Swin checkpoint", "swin", TorchvisionSwin()),
        new("timm's TNT", "a TNT checkpoint", "tnt", TimmTnt()),
        new("timm's Swin", "a Swin checkpoint", "swin", TimmSwin()),
        new("timm's ViT/DeiT", "a ViT checkpoint", "vit", TimmVit()),
        new("torch.nn.Transformer's", "an encoder-decoder Transformer checkpoint", "transformer", TorchTransformer()),
        new("Hugging Face transformers'", "a Hugging Face model, whose names no family here reads (convert it to timm's layout first)", null, HuggingFace()),
        new("torchvision's ResNet", "a ResNet checkpoint", "resnet", TorchvisionResNet()),
    };

    [GeneratedRegex(@"^(encoder\.layers\.encoder_layer_\d+\.|conv_proj\.|class_token$|encoder\.pos_embedding$|heads\.head\.)")]
    private static partial Regex TorchvisionVit();

    [GeneratedRegex(@"^features\.\d+\.\d+\.(norm1|attn|norm2|mlp|reduction|norm)\b|^features\.0\.0\.")]
    private static partial Regex TorchvisionSwin();

    [GeneratedRegex(@"^(blocks\.\d+\.(attn_in|attn_out|norm_in|mlp_in|proj)\b|pixel_embed\.|patch_pos$|outer_pos$|pixel_pos$)")]
    private static partial Regex TimmTnt();

    [GeneratedRegex(@"^layers\.\d+\.(blocks\.\d+\.|downsample\.)")]
    private static partial Regex TimmSwin();

    [GeneratedRegex(@"^(blocks\.\d+\.(attn\.qkv|norm1|mlp\.fc1)\b|cls_token$|pos_embed$|patch_embed\.proj\.)")]
    private static partial Regex TimmVit();

    [GeneratedRegex(@"^(transformer\.)?(encoder|decoder)\.layers\.\d+\.(self_attn|multihead_attn|linear1|norm1)\b")]
    private static partial Regex TorchTransformer();

    [GeneratedRegex(@"^([a-z_]+\.)?(embeddings\.(patch_embeddings|word_embeddings|position_embeddings)|encoder\.layer\.\d+\.)")]
    private static partial Regex HuggingFace();

    [GeneratedRegex(@"^(layer[1-4]\.\d+\.(conv|bn)\d\.|fc\.(weight|bias)$|bn1\.running_mean$)")]
    private static partial Regex TorchvisionResNet();

    /// <summary>
    /// "the unexpected keys look like torchvision's Swin names: a Swin checkpoint" when a good share (a quarter or more) of the
    /// keys the model did not expect follow a layout of another family (or of none); null otherwise.
    /// </summary>
    public static string? Cause(IReadOnlyList<string> unexpected, IModelFamily family)
    {
        if (unexpected.Count == 0) return null;
        var best = Known.Select(l => (Layout: l, Hits: unexpected.Count(k => l.Keys.IsMatch(k)))).MaxBy(x => x.Hits);
        if (best.Hits * 4 < unexpected.Count || best.Layout.Family == family.Name) return null;
        return $"the unexpected keys look like {best.Layout.Names} names: {best.Layout.What}";
    }
}
