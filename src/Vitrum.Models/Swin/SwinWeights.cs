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
        new ModelInstance(SwinFamily.Instance, model.Config, model).LoadWeights(StateDictFile.Load(path), Path.GetFileName(path));
    }
}
