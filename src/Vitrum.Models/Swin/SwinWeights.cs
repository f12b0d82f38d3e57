using Vitrum.Nn.IO;
using Vitrum.Tensors.Memory;

namespace Vitrum.Models.Swin;

/// <summary>Loads timm, original or torchvision Swin weights (safetensors or torch.save) into a <see cref="SwinTransformer"/>.</summary>
public static class SwinWeights
{
    /// <summary>
    /// Reads <paramref name="path"/>, maps it with <see cref="SwinCheckpointFilter"/> and copies it into the
    /// model strictly: every parameter must be present with its shape and nothing else may be left over.
    /// </summary>
    /// <exception cref="ArgumentException">the checkpoint is not one of this Swin (the message lists the missing, unexpected and mismatched keys)</exception>
    /// <exception cref="CheckpointFormatException">the file is malformed</exception>
    public static void Load(SwinTransformer model, string path)
    {
        using var scope = new TensorScope();
        var state = SwinCheckpointFilter.Apply(StateDictFile.Load(path));
        try { model.LoadStateDict(state, strict: true); }
        catch (ArgumentException e)
        {
            var c = model.Config;
            throw new ArgumentException($"{Path.GetFileName(path)} is not a checkpoint of this Swin (embed_dim {c.EmbedDim}, depths [{string.Join(", ", c.Depths)}], " +
                $"num_heads [{string.Join(", ", c.NumHeads)}], window_size {c.WindowSize}, patch_size {c.PatchSize}, num_classes {c.NumClasses}): {e.Message}", e);
        }
    }
}
