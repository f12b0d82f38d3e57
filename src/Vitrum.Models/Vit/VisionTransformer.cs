// An Image is Worth 16x16 Words: Transformers for Image Recognition at Scale (Dosovitskiy et al., 2021),
// with the architecture and state-dict keys of timm's vision_transformer.py (DeiT presets: Touvron et al., 2021).
using Vitrum.Nn;
using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;
using Vitrum.Tensors.Memory;

namespace Vitrum.Models.Vit;

/// <summary>
/// Vision Transformer: a strided conv embeds patches, a class token and learned position embeddings are
/// added, pre-norm encoder blocks follow, and the head classifies the class token (or the token mean).
/// Keys: <c>cls_token</c>, <c>pos_embed</c>, <c>patch_embed.proj</c>, <c>blocks.N.*</c>, <c>norm</c> (or
/// <c>fc_norm</c> for avg pooling), <c>head</c>.
/// </summary>
public sealed class VisionTransformer : Module<Tensor, Tensor>, IAttentionMap
{
    public VitConfig Config { get; }
    public Conv2d PatchProj { get; }
    public Tensor? ClsToken { get; }
    public Tensor PosEmbed { get; }
    public ModuleList<VitBlock> Blocks { get; }
    private readonly LayerNorm? _norm, _fcNorm;
    private readonly Linear? _head;
    private readonly Dropout _posDrop, _headDrop;

    /// <summary>Keys that get no weight decay beyond biases and norms (timm's no_weight_decay()).</summary>
    public static readonly string[] NoWeightDecay = { "pos_embed", "cls_token" };

    private sealed class PatchEmbed : Module
    {
        public readonly Conv2d Proj;
        public PatchEmbed(VitConfig c, Generator gen) =>
            Proj = RegisterModule("proj", new Conv2d(c.InChans, c.EmbedDim, c.PatchSize, c.PatchSize, gen: gen));
    }

    public VisionTransformer(VitConfig config, ulong seed = 0)
    {
        Config = config.Validate();
        var gen = new Generator(seed);
        PatchProj = RegisterModule("patch_embed", new PatchEmbed(config, gen)).Proj;
        int tokens = config.NumPatches + (config.ClassToken ? 1 : 0);
        if (config.ClassToken) ClsToken = RegisterParameter("cls_token", Init.Normal(NewTensor(1, 1, config.EmbedDim), 0, 1e-6, gen));
        PosEmbed = RegisterParameter("pos_embed", Init.TruncNormal(NewTensor(1, tokens, config.EmbedDim), gen, 0, 0.02));
        _posDrop = RegisterModule("pos_drop", new Dropout((float)config.DropRate, gen));
        Blocks = RegisterModule("blocks", new ModuleList<VitBlock>());
        for (int i = 0; i < config.Depth; i++)
            Blocks.Add(new VitBlock(config, config.Depth > 1 ? config.DropPathRate * i / (config.Depth - 1) : 0, gen));
        bool avg = config.GlobalPool == "avg";
        if (!avg) _norm = RegisterModule("norm", new LayerNorm(config.EmbedDim, 1e-6f));
        else _fcNorm = RegisterModule("fc_norm", new LayerNorm(config.EmbedDim, 1e-6f));
        _headDrop = RegisterModule("head_drop", new Dropout((float)config.DropRate, gen));
        if (config.NumClasses > 0) _head = RegisterModule("head", new Linear(config.EmbedDim, config.NumClasses, gen: gen));
        foreach (var (name, p) in NamedParameters())
            if (name.StartsWith("blocks.", StringComparison.Ordinal) && p.Rank == 2) Init.TruncNormal(p, gen, 0, 0.02);
            else if (name.StartsWith("blocks.", StringComparison.Ordinal) && name.EndsWith(".bias", StringComparison.Ordinal) && !name.Contains("norm")) p.AsSpan().Clear();
        if (_head != null) { Init.TruncNormal(_head.Weight, gen, 0, 0.02); _head.Bias!.AsSpan().Clear(); }
    }

    /// <summary>Tokens after the last block and final norm: [B, N(+1), C].</summary>
    /// <param name="images">[B, in_chans, H, W]; H and W may differ from img_size (position embeddings are resampled)</param>
    public Tensor ForwardFeatures(Tensor images)
    {
        var x = Tokens(images, out _, out _);
        foreach (var blk in Blocks)
        {
            var next = blk.Forward(x);
            // In inference each block's input dies with the block: peak memory is a block's activations, not the model's.
            x.DisposeIfNoGrad();
            x = next;
        }
        return _norm != null ? _norm.Forward(x) : x;
    }

    /// <summary>Each block's attention probabilities (the unfused path), from one no-grad forward.</summary>
    /// <param name="images">[B, in_chans, H, W]</param>
    /// <param name="gh">patch rows</param>
    /// <param name="gw">patch columns</param>
    /// <returns>one [B, H, N, N] tensor per block</returns>
    public List<Tensor> AttentionProbabilities(Tensor images, out int gh, out int gw)
    {
        using var _ = GradMode.NoGrad();
        var x = Tokens(images, out gh, out gw);
        var maps = new List<Tensor>();
        foreach (var blk in Blocks) x = blk.Forward(x, maps);
        return maps;
    }

    /// <summary>The attention rollout (<see cref="AttentionRollout"/>) of the class token, or of all tokens without one, over the patches.</summary>
    /// <param name="images">[B, in_chans, H, W]</param>
    public AttentionMap MapAttention(Tensor images, int index)
    {
        using var scope = new TensorScope();
        return AttentionRollout.PatchMap(AttentionProbabilities(images, out int gh, out int gw), index, Config.ClassToken, gh, gw);
    }

    /// <summary>The input of the first block: patch embeddings, the class token, position embeddings (and their dropout).</summary>
    /// <param name="images">[B, in_chans, H, W]</param>
    /// <param name="gh">patch rows</param>
    /// <param name="gw">patch columns</param>
    /// <returns>[B, (1 +) gh*gw, C]</returns>
    public Tensor Tokens(Tensor images, out int gh, out int gw)
    {
        if (images.Rank != 4 || images.Shape[1] != Config.InChans)
            throw new ArgumentException($"VisionTransformer: input {ShapeUtil.Format(images.Shape)} is not [B, {Config.InChans}, H, W]");
        if (images.Shape[2] % Config.PatchSize != 0 || images.Shape[3] % Config.PatchSize != 0)
            throw new ArgumentException($"VisionTransformer: image size {images.Shape[2]}x{images.Shape[3]} is not a multiple of the patch size {Config.PatchSize}");
        int b = images.Shape[0];
        var x = PatchProj.Forward(images);                         // [B, C, gh, gw]
        gh = x.Shape[2];
        gw = x.Shape[3];
        x = x.Flatten(2).Transpose(1, 2);                          // [B, gh*gw, C]
        if (ClsToken != null) x = Ops.Cat(new[] { ClsToken.Expand(b, 1, Config.EmbedDim), x }, 1);
        x = Ops.Add(x, PosEmbedFor(gh, gw));
        return _posDrop.Forward(x);
    }

    /// <summary>Position embeddings for a gh x gw grid: the trained ones, or resampled from them as timm does for dynamic image sizes (<see cref="PosEmbedResample"/>).</summary>
    public Tensor PosEmbedFor(int gh, int gw) =>
        gh == Config.GridSize && gw == Config.GridSize ? PosEmbed : PosEmbedResample.Resample(PosEmbed, Config.ClassToken ? 1 : 0, gh, gw);

    /// <param name="images">[B, in_chans, H, W]</param>
    /// <returns>logits [B, num_classes] (pooled features [B, C] when num_classes is 0)</returns>
    public override Tensor Forward(Tensor images)
    {
        var x = ForwardFeatures(images);
        int prefix = Config.ClassToken ? 1 : 0;
        var pooled = Config.GlobalPool == "avg"
            ? _fcNorm!.Forward(Ops.Mean(x.Narrow(1, prefix, x.Shape[1] - prefix), 1))
            : x.Select(1, 0);
        pooled = _headDrop.Forward(pooled);
        return _head == null ? pooled : _head.Forward(pooled);
    }
}
