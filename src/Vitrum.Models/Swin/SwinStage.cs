// Swin Transformer (Liu et al., 2021): one stage, keys as timm's (>= 0.9) SwinTransformerStage.
using Vitrum.Nn;
using Vitrum.Tensors;

namespace Vitrum.Models.Swin;

/// <summary>
/// A patch merging (<c>downsample</c>, every stage but the first; timm >= 0.9 puts it at the start of a stage,
/// older timm at the end of the one before) followed by the stage's blocks (<c>blocks.M</c>), the odd ones shifted.
/// </summary>
public sealed class SwinStage : Module<Tensor, Tensor>
{
    public PatchMerging? Downsample { get; }
    public ModuleList<SwinBlock> Blocks { get; }

    /// <param name="firstBlock">index of the stage's first block among all blocks (for its stochastic depth rate)</param>
    public SwinStage(SwinConfig c, int stage, int firstBlock, Generator gen)
    {
        int dim = c.StageDim(stage);
        if (stage > 0) Downsample = RegisterModule("downsample", new PatchMerging(c.StageDim(stage - 1), gen));
        Blocks = RegisterModule("blocks", new ModuleList<SwinBlock>());
        for (int j = 0; j < c.Depths[stage]; j++)
            Blocks.Add(new SwinBlock(dim, c.NumHeads[stage], c.StageWindow(stage), j % 2 == 1, c, c.BlockDropPath(firstBlock + j), gen));
    }

    /// <param name="input">[B, H, W, C] (the previous stage's map)</param>
    /// <returns>[B, H', W', C'] (halved and doubled after a merging)</returns>
    public override Tensor Forward(Tensor input) => Forward(input, null);

    /// <param name="input">[B, H, W, C] (the previous stage's map)</param>
    /// <param name="received">when given, receives each block's <see cref="SwinBlock.ReceivedAttention"/> [B, H', W', 1]</param>
    /// <returns>[B, H', W', C']</returns>
    public Tensor Forward(Tensor input, ICollection<Tensor>? received)
    {
        var x = Downsample != null ? Downsample.Forward(input) : input;
        foreach (var blk in Blocks)
        {
            var next = blk.Forward(x, received);
            // In inference a block's input (the stage's own ones, not the caller's) dies with the block.
            if (!ReferenceEquals(x, input)) x.DisposeIfNoGrad();
            x = next;
        }
        return x;
    }
}
