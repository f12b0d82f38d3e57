using Vitrum.Nn;
using Vitrum.Tensors;

namespace Vitrum.Models.Resnet;

/// <summary>
/// torchvision's BasicBlock (resnet18/34): conv1 3x3 (stride), bn1, relu, conv2 3x3, bn2, plus the identity, relu. A
/// dilation above 1, which torchvision refuses, dilates conv1 as mmdetection's BasicBlock does (Vitrum's extension, so
/// a small basic-block backbone can give DETR a stride-16 map; the keys and shapes stay torchvision's).
/// </summary>
public sealed class BasicBlock : ResnetBlock
{
    /// <param name="planes">the block's output channels</param>
    /// <param name="dilation">conv1's dilation (and padding)</param>
    public BasicBlock(ResnetConfig config, int inplanes, int planes, int stride, int dilation, Generator gen) : base(inplanes, planes, stride, dilation)
    {
        AddPair(ResnetLayers.Conv(inplanes, planes, 3, stride, dilation, 1, gen), ResnetLayers.Norm(config, planes));
        AddPair(ResnetLayers.Conv(planes, planes, 3, 1, 1, 1, gen), ResnetLayers.Norm(config, planes));
        AddDownsample(config, gen);
    }
}
