namespace Vitrum.Models;

/// <summary>
/// What a model family does, which decides how the CLI and the trainer drive it (data, loss, metrics, prediction
/// output): never the family's or the data set's name.
/// </summary>
public enum TaskKind
{
    /// <summary>Images [N, C, H, W] in, class logits [N, K] out (ViT, Swin, TNT, ResNet).</summary>
    Classify,

    /// <summary>Token ids in, token logits out: an encoder-decoder trained with teacher forcing and decoded by search (the Transformer).</summary>
    Seq2Seq,

    /// <summary>Images in, a set of (class, box) predictions out (DETR).</summary>
    Detect,
}
