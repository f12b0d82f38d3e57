using Vitrum.Nn;
using Vitrum.Tensors;

namespace Vitrum.Models.Resnet;

/// <summary>
/// torchvision's Bottleneck (ResNet V1.5, resnet50+): conv1 1x1 to the inner width, conv2 3x3 with the stride,
/// groups and dilation, conv3 1x1 to planes * 4, a norm after each, relu between, plus the identity, relu.
/// </summary>
public sealed class Bottleneck : ResnetBlock
{
    /// <param name="planes">a quarter of the block's output channels</param>
    /// <param name="dilation">the 3x3 convolution's dilation (and padding)</param>
    public Bottleneck(ResnetConfig config, int inplanes, int planes, int stride, int dilation, Generator gen)
        : base(inplanes, planes * 4, stride, dilation)
    {
        int width = config.BottleneckWidth(planes);
        AddPair(ResnetLayers.Conv(inplanes, width, 1, 1, 1, 1, gen), ResnetLayers.Norm(config, width));
        AddPair(ResnetLayers.Conv(width, width, 3, stride, dilation, config.Groups, gen), ResnetLayers.Norm(config, width));
        AddPair(ResnetLayers.Conv(width, planes * 4, 1, 1, 1, 1, gen), ResnetLayers.Norm(config, planes * 4));
        AddDownsample(config, gen);
    }
}
