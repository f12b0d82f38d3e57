using Vitrum.Nn.IO;
using Vitrum.Tensors.Memory;

namespace Vitrum.Models.Resnet;

/// <summary>Loads torchvision or timm ResNet weights (safetensors or torch.save) into a <see cref="ResNet"/>.</summary>
public static class ResnetWeights
{
    /// <summary>
    /// Reads <paramref name="path"/>, maps it with <see cref="ResnetCheckpointFilter"/> and copies it into the model
    /// strictly: every parameter and buffer present with its shape and nothing else left over.
    /// </summary>
    /// <exception cref="ArgumentException">the checkpoint is not one of this ResNet (the message lists the missing, unexpected and mismatched keys)</exception>
    /// <exception cref="CheckpointFormatException">the file is malformed</exception>
    public static void Load(ResNet model, string path)
    {
        using var scope = new TensorScope();
        new ModelInstance(ResnetFamily.Instance, model.Config, model).LoadWeights(StateDictFile.Load(path), Path.GetFileName(path));
    }
}
