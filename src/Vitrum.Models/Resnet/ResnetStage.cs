using Vitrum.Nn;
using Vitrum.Tensors;

namespace Vitrum.Models.Resnet;

/// <summary>
/// One of torchvision's <c>layer1</c>..<c>layer4</c> (its <c>_make_layer</c>): blocks "0", "1", ... applied in order; the
/// first takes the stride (or, when the stage dilates instead, the previous dilation) and the downsample.
/// </summary>
public sealed class ResnetStage : Module<Tensor, Tensor>
{
    private readonly List<ResnetBlock> _blocks = new();

    public IReadOnlyList<ResnetBlock> Blocks => _blocks;

    /// <param name="stage">0..3</param>
    /// <param name="inplanes">channels into the stage</param>
    /// <param name="dilation">the dilation so far; a dilating stage multiplies it by its stride</param>
    public ResnetStage(ResnetConfig config, int stage, int inplanes, ref int dilation, Generator gen)
    {
        int planes = config.Channels[stage], stride = stage == 0 ? 1 : 2, previous = dilation;
        if (stage > 0 && config.ReplaceStrideWithDilation[stage - 1])
        {
            dilation *= stride;
            stride = 1;
        }
        for (int i = 0; i < config.Layers[stage]; i++)
        {
            int inputs = i == 0 ? inplanes : config.StageChannels(stage);
            ResnetBlock block = config.IsBottleneck
                ? new Bottleneck(config, inputs, planes, i == 0 ? stride : 1, i == 0 ? previous : dilation, gen)
                : new BasicBlock(config, inputs, planes, i == 0 ? stride : 1, i == 0 ? previous : dilation, gen);
            _blocks.Add(RegisterModule(i.ToString(System.Globalization.CultureInfo.InvariantCulture), block));
        }
    }

    /// <param name="input">[N, in, H, W]</param>
    /// <returns>[N, out, H', W']</returns>
    public override Tensor Forward(Tensor input)
    {
        var x = input;
        foreach (var block in _blocks) x = block.Forward(x);
        return x;
    }
}
