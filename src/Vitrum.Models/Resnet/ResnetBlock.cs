using Vitrum.Nn;
using Vitrum.Tensors;

namespace Vitrum.Models.Resnet;

/// <summary>
/// What torchvision's BasicBlock and Bottleneck share: convolution/norm pairs registered as <c>convK</c>/<c>bnK</c>,
/// an optional <c>downsample</c> (a 1x1 convolution, <c>downsample.0</c>, and a norm, <c>downsample.1</c>) that fits
/// the identity to the block's output, and out = relu(branch(x) + identity) with a relu between the branch's pairs.
/// </summary>
public abstract class ResnetBlock : Module<Tensor, Tensor>
{
    private readonly List<ConvNorm> _pairs = new();
    private ConvNorm? _downsample;

    public int InChannels { get; }
    public int OutChannels { get; }

    /// <summary>The stride of the block (on its first 3x3 convolution and its downsample).</summary>
    public int Stride { get; }

    /// <summary>The dilation of the block's 3x3 convolution (DETR's DC5 dilates the last stage).</summary>
    public int Dilation { get; }

    private protected ResnetBlock(int inChannels, int outChannels, int stride, int dilation)
    {
        (InChannels, OutChannels, Stride, Dilation) = (inChannels, outChannels, stride, dilation);
    }

    /// <summary>Registers the next convK and bnK (K = 1, 2, ...), in torchvision's key order.</summary>
    private protected void AddPair(Conv2d conv, Module<Tensor, Tensor> norm)
    {
        int k = _pairs.Count + 1;
        _pairs.Add(new ConvNorm(RegisterModule($"conv{k}", conv), RegisterModule($"bn{k}", norm)));
    }

    /// <summary>Registers torchvision's downsample, Sequential(conv1x1, norm), when the stride or the width changes.</summary>
    private protected void AddDownsample(ResnetConfig config, Generator gen)
    {
        if (Stride == 1 && InChannels == OutChannels) return;
        var conv = ResnetLayers.Conv(InChannels, OutChannels, 1, Stride, 1, 1, gen);
        var norm = ResnetLayers.Norm(config, OutChannels);
        RegisterModule("downsample", new Sequential(conv, norm));
        _downsample = new ConvNorm(conv, norm);
    }

    /// <summary>True when the block fits the identity with a 1x1 convolution and a norm.</summary>
    public bool HasDownsample => _downsample != null;

    /// <summary>The norm that ends the residual branch (zeroed by zero_init_residual).</summary>
    public IBatchNormStats LastNorm => (IBatchNormStats)_pairs[^1].Norm;

    /// <param name="input">[N, in, H, W]</param>
    /// <returns>[N, out, H', W'], H' = ceil(H / stride)</returns>
    public override Tensor Forward(Tensor input)
    {
        var identity = _downsample?.Forward(input) ?? input;
        var x = input;
        for (int i = 0; i < _pairs.Count; i++) x = _pairs[i].Forward(x, i == _pairs.Count - 1 ? identity : null, relu: true);
        return x;
    }

    /// <summary>Folds every norm of the block into its convolution for inference (<see cref="ConvNorm.Fuse"/>), or undoes it.</summary>
    public void FuseForInference(bool fuse = true)
    {
        foreach (var pair in _downsample == null ? _pairs : _pairs.Append(_downsample))
            if (fuse) pair.Fuse();
            else pair.Unfuse();
    }

    /// <summary>True when every pair of the block runs folded at inference.</summary>
    public bool IsFused => _pairs.All(p => p.IsFused) && (_downsample?.IsFused ?? true);
}
