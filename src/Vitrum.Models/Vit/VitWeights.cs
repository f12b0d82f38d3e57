using Vitrum.Nn.IO;
using Vitrum.Tensors.Memory;

namespace Vitrum.Models.Vit;

/// <summary>Loads timm or torchvision ViT weights (safetensors or torch.save) into a <see cref="VisionTransformer"/>.</summary>
public static class VitWeights
{
    /// <summary>
    /// Reads <paramref name="path"/>, maps it with <see cref="VitCheckpointFilter"/> and copies it into the
    /// model strictly: every parameter must be present with its shape and nothing else may be left over.
    /// </summary>
    /// <exception cref="ArgumentException">the checkpoint is not one of this ViT (the message lists the missing, unexpected and mismatched keys)</exception>
    /// <exception cref="CheckpointFormatException">the file is malformed</exception>
    public static void Load(VisionTransformer model, string path)
    {
        using var scope = new TensorScope();
        new ModelInstance(VitFamily.Instance, model.Config, model).LoadWeights(StateDictFile.Load(path), Path.GetFileName(path));
    }
}
