// Transformer in Transformer (Han et al., 2021), with the architecture and state-dict keys of timm's tnt.py
// (both its current layout, shared with the official code's weights, and its legacy layout).
using Vitrum.Nn;
using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;
using Vitrum.Tensors.Memory;

namespace Vitrum.Models.Tnt;

/// <summary>
/// TNT: each patch is a sequence of pixel tokens (<see cref="PixelEmbed"/> plus <c>pixel_pos</c>) with its own
/// inner transformer, and the patch tokens (the pixels of each patch normed, flattened and projected, a class
/// token, <c>patch_pos</c>) run an outer transformer into which every block adds its projected pixels; the final
/// norm feeds the head through the class token or the patch-token mean. Keys: <c>cls_token</c>,
/// <c>patch_pos</c>, <c>pixel_pos</c>, <c>pixel_embed.proj</c>, <c>norm1_proj</c>, <c>proj</c>,
/// <c>norm2_proj</c>, <c>blocks.N.*</c>, <c>norm</c>, <c>head</c>. Like timm's, it takes img_size images only.
/// </summary>
public sealed class TransformerInTransformer : Module<Tensor, Tensor>, IAttentionMap
{
    public TntConfig Config { get; }
    public Tensor ClsToken { get; }
    /// <summary>[1, 1 + num_patches, embed_dim]</summary>
    public Tensor PatchPos { get; }
    /// <summary>[1, inner_dim, s, s], s = pixels along a patch side</summary>
    public Tensor PixelPos { get; }
    public ModuleList<TntBlock> Blocks { get; }
    private readonly PixelEmbed _pixelEmbed;
    private readonly LayerNorm _norm1Proj, _norm2Proj, _norm;
    private readonly Linear _proj;
    private readonly Linear? _head;
    private readonly Dropout _headDrop;

    /// <summary>Keys that get no weight decay beyond biases and norms (timm's no_weight_decay()).</summary>
    public static readonly string[] NoWeightDecay = { "patch_pos", "pixel_pos", "cls_token" };

    public TransformerInTransformer(TntConfig config, ulong seed = 0)
    {
        Config = config.Validate();
        var gen = new Generator(seed);
        int e = config.EmbedDim, flat = config.InnerDim * config.NumPixels;
        ClsToken = RegisterParameter("cls_token", Init.TruncNormal(NewTensor(1, 1, e), gen, 0, 0.02));
        PatchPos = RegisterParameter("patch_pos", Init.TruncNormal(NewTensor(1, config.NumPatches + 1, e), gen, 0, 0.02));
        PixelPos = RegisterParameter("pixel_pos", Init.TruncNormal(NewTensor(1, config.InnerDim, config.PixelSide, config.PixelSide), gen, 0, 0.02));
        _pixelEmbed = RegisterModule("pixel_embed", new PixelEmbed(config, gen));
        _norm1Proj = RegisterModule("norm1_proj", new LayerNorm(flat));
        _proj = RegisterModule("proj", new Linear(flat, e, gen: gen));
        _norm2Proj = RegisterModule("norm2_proj", new LayerNorm(e));
        Blocks = RegisterModule("blocks", new ModuleList<TntBlock>());
        for (int i = 0; i < config.Depth; i++)
            Blocks.Add(new TntBlock(config, config.Depth > 1 ? config.DropPathRate * i / (config.Depth - 1) : 0, gen));
        _norm = RegisterModule("norm", new LayerNorm(e));
        _headDrop = RegisterModule("head_drop", new Dropout((float)config.DropRate, gen));
        if (config.NumClasses > 0) _head = RegisterModule("head", new Linear(e, config.NumClasses, gen: gen));
        // timm's _init_weights: every Linear trunc_normal(0.02) with zero bias; convolutions keep PyTorch's init.
        foreach (var (_, m) in NamedModules())
            if (m is Linear lin)
            {
                Init.TruncNormal(lin.Weight, gen, 0, 0.02);
                lin.Bias?.AsSpan().Clear();
            }
    }

    /// <summary>The patch tokens after the last block and the final norm: [B, 1 + num_patches, embed_dim].</summary>
    /// <param name="images">[B, in_chans, img_size, img_size]</param>
    public Tensor ForwardFeatures(Tensor images) => _norm.Forward(RunBlocks(images, null));

    /// <summary>Each outer block's attention probabilities (the unfused path) over [class token, patches], from one no-grad forward.</summary>
    /// <param name="images">[B, in_chans, img_size, img_size]</param>
    /// <returns>one [B, num_heads_outer, 1 + num_patches, 1 + num_patches] tensor per block</returns>
    public List<Tensor> OuterAttentionProbabilities(Tensor images)
    {
        using var _ = GradMode.NoGrad();
        var maps = new List<Tensor>();
        RunBlocks(images, maps);
        return maps;
    }

    /// <summary>
    /// The attention rollout (<see cref="AttentionRollout"/>) of the outer blocks, the class token's row over the
    /// patches (with global_pool "avg" too: the class token is always there). The inner blocks attend only within a
    /// patch, so they move nothing between patches and are left out.
    /// </summary>
    /// <param name="images">[B, in_chans, img_size, img_size]</param>
    public AttentionMap MapAttention(Tensor images, int index)
    {
        using var scope = new TensorScope();
        return AttentionRollout.PatchMap(OuterAttentionProbabilities(images), index, classToken: true, Config.GridSize, Config.GridSize);
    }

    /// <summary>The patch tokens after the last block, before the final norm.</summary>
    /// <param name="outerAttention">when given, receives each block's outer attention probabilities</param>
    private Tensor RunBlocks(Tensor images, ICollection<Tensor>? outerAttention)
    {
        if (images.Rank != 4 || images.Shape[1] != Config.InChans)
            throw new ArgumentException($"TNT: input {ShapeUtil.Format(images.Shape)} is not [B, {Config.InChans}, {Config.ImgSize}, {Config.ImgSize}]");
        if (images.Shape[2] != Config.ImgSize || images.Shape[3] != Config.ImgSize)
            throw new ArgumentException($"TNT: input image size {images.Shape[2]}x{images.Shape[3]} is not the model's img_size {Config.ImgSize}x{Config.ImgSize} (TNT takes one size)");
        int b = images.Shape[0];
        var pixels = _pixelEmbed.Forward(images, PixelPos);                                           // [B*P, s*s, D]
        var patches = _norm2Proj.Forward(_proj.Forward(_norm1Proj.Forward(pixels.Reshape(b, Config.NumPatches, -1))));
        patches = Ops.Add(Ops.Cat(new[] { ClsToken.Expand(b, 1, Config.EmbedDim), patches }, 1), PatchPos);
        foreach (var blk in Blocks) (pixels, patches) = blk.Forward(pixels, patches, outerAttention);
        return patches;
    }

    /// <param name="images">[B, in_chans, img_size, img_size]</param>
    /// <returns>logits [B, num_classes] (pooled features [B, embed_dim] when num_classes is 0)</returns>
    public override Tensor Forward(Tensor images)
    {
        var x = ForwardFeatures(images);
        var pooled = Config.GlobalPool == "avg" ? Ops.Mean(x.Narrow(1, 1, x.Shape[1] - 1), 1) : x.Select(1, 0);
        pooled = _headDrop.Forward(pooled);
        return _head == null ? pooled : _head.Forward(pooled);
    }
}
