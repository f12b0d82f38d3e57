using Vitrum.Nn;
using Vitrum.Tensors;

namespace Vitrum.Models.Resnet;

/// <summary>torchvision's BasicBlock (resnet18/34): conv1 3x3 (stride), bn1, relu, conv2 3x3, bn2, plus the identity, relu.</summary>
public sealed class BasicBlock : ResnetBlock
{
    /// <param name="planes">the block's output channels</param>
    public BasicBlock(ResnetConfig config, int inplanes, int planes, int stride, Generator gen) : base(inplanes, planes, stride, 1)
    {
        AddPair(ResnetLayers.Conv(inplanes, planes, 3, stride, 1, 1, gen), ResnetLayers.Norm(config, planes));
        AddPair(ResnetLayers.Conv(planes, planes, 3, 1, 1, 1, gen), ResnetLayers.Norm(config, planes));
        AddDownsample(config, gen);
    }
}
