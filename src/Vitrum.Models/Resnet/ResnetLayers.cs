using Vitrum.Nn;
using Vitrum.Tensors;

namespace Vitrum.Models.Resnet;

/// <summary>The convolutions and norms of a ResNet, made as torchvision's resnet.py makes them.</summary>
internal static class ResnetLayers
{
    /// <summary>
    /// A bias-free convolution with "same" padding for its dilation (the 7x7 stem: 3, conv3x3: dilation, conv1x1: 0),
    /// initialised as torchvision's ResNet: kaiming_normal(mode fan_out, relu).
    /// </summary>
    public static Conv2d Conv(int inChannels, int outChannels, int kernel, int stride, int dilation, int groups, Generator gen)
    {
        var conv = new Conv2d(inChannels, outChannels, kernel, stride, dilation * (kernel - 1) / 2, dilation, groups, bias: false, gen: gen);
        Init.KaimingNormal(conv.Weight, gen, fanOut: true);
        return conv;
    }

    /// <summary>The config's norm_layer over <paramref name="channels"/>: weight 1, bias 0 (torchvision's init).</summary>
    public static Module<Tensor, Tensor> Norm(ResnetConfig config, int channels) => config.NormLayer == ResnetConfig.FrozenBatchNorm
        ? new FrozenBatchNorm2d(channels)
        : new BatchNorm2d(channels);
}
