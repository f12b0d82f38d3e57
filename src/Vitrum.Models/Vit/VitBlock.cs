using Vitrum.Nn;
using Vitrum.Tensors;

namespace Vitrum.Models.Vit;

/// <summary>timm's pre-norm encoder block: x = x + drop_path(ls1(attn(norm1(x)))); x = x + drop_path(ls2(mlp(norm2(x)))).</summary>
public sealed class VitBlock : Module<Tensor, Tensor>
{
    public LayerNorm Norm1 { get; }
    public Attention Attn { get; }
    public LayerNorm Norm2 { get; }
    public Mlp Mlp { get; }
    private readonly LayerScale? _ls1, _ls2;
    private readonly DropPath _dropPath;

    public VitBlock(VitConfig c, double dropPath, Generator gen)
    {
        Norm1 = RegisterModule("norm1", new LayerNorm(c.EmbedDim, 1e-6f));
        Attn = RegisterModule("attn", new Attention(c.EmbedDim, c.NumHeads, c.QkvBias, (float)c.DropRate, gen));
        if (c.InitValues is double iv) _ls1 = RegisterModule("ls1", new LayerScale(c.EmbedDim, (float)iv));
        Norm2 = RegisterModule("norm2", new LayerNorm(c.EmbedDim, 1e-6f));
        Mlp = RegisterModule("mlp", new Mlp(c.EmbedDim, (int)(c.EmbedDim * c.MlpRatio), drop: (float)c.DropRate, gen: gen));
        if (c.InitValues is double iv2) _ls2 = RegisterModule("ls2", new LayerScale(c.EmbedDim, (float)iv2));
        _dropPath = RegisterModule("drop_path", new DropPath(dropPath, gen));
    }

    /// <param name="input">[B, N, C]</param>
    public override Tensor Forward(Tensor input) => Forward(input, null);

    /// <param name="input">[B, N, C]</param>
    /// <param name="attention">when given, receives the attention probabilities [B, H, N, N] (the unfused path, beside the fused one the block runs)</param>
    public Tensor Forward(Tensor input, ICollection<Tensor>? attention)
    {
        var normed = Norm1.Forward(input);
        attention?.Add(Attn.Probabilities(normed));
        // Without layer scale and with stochastic depth off, each residual add is the last step of a linear layer
        // (fused into its product in inference: Linear.PackForInference).
        if (_ls1 == null && _ls2 == null && _dropPath.IsIdentity)
        {
            var h = Attn.ForwardResidual(normed, input);
            normed.DisposeIfNoGrad();
            var normed2 = Norm2.Forward(h);
            var y = Mlp.Forward(normed2, h);
            normed2.DisposeIfNoGrad();
            return y;
        }
        var a = Attn.Forward(normed);
        if (_ls1 != null) a = _ls1.Forward(a);
        var x = Ops.Add(input, _dropPath.Forward(a));
        var m = Mlp.Forward(Norm2.Forward(x));
        if (_ls2 != null) m = _ls2.Forward(m);
        return Ops.Add(x, _dropPath.Forward(m));
    }
}
