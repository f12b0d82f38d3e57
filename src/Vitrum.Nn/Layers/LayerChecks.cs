using Vitrum.Tensors;

namespace Vitrum.Nn;

/// <summary>Input checks shared by the layers, so a wrong shape is reported by the layer the caller used.</summary>
internal static class LayerChecks
{
    /// <summary>Requires [..., features].</summary>
    public static void LastDim(string layer, Tensor input, int features)
    {
        if (input.Rank == 0 || input.Shape[^1] != features)
            throw new ArgumentException($"{layer}: input {ShapeUtil.Format(input.Shape)} does not end in {features} features");
    }

    /// <summary>Requires [N, channels, H, W].</summary>
    public static void Channels2d(string layer, Tensor input, int channels)
    {
        if (input.Rank != 4)
            throw new ArgumentException($"{layer}: expected a 4-D input [N, {channels}, H, W], got {ShapeUtil.Format(input.Shape)}");
        if (input.Shape[1] != channels)
            throw new ArgumentException($"{layer}: input {ShapeUtil.Format(input.Shape)} has {input.Shape[1]} channels, expected {channels}");
    }
}
