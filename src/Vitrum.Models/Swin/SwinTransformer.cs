// Swin Transformer: Hierarchical Vision Transformer using Shifted Windows (Liu et al., 2021), with the architecture
// and state-dict keys of timm's (>= 0.9) swin_transformer.py; checked against torchvision 0.14's SwinTransformer.
using Vitrum.Nn;
using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;
using Vitrum.Tensors.Memory;

namespace Vitrum.Models.Swin;

/// <summary>
/// Swin Transformer: a strided conv embeds patches (then LayerNorm), stages of (shifted-)window blocks follow,
/// each after the first halving the map with a patch merging, and the head classifies the mean token after a
/// final LayerNorm. Keys: <c>patch_embed.proj</c>, <c>patch_embed.norm</c>, <c>layers.N.downsample.*</c> (N &gt;= 1),
/// <c>layers.N.blocks.M.*</c>, <c>norm</c>, <c>head.fc</c>.
/// </summary>
public sealed class SwinTransformer : Module<Tensor, Tensor>, IAttentionMap
{
    public SwinConfig Config { get; }
    public Conv2d PatchProj { get; }
    public LayerNorm PatchNorm { get; }
    public ModuleList<SwinStage> Layers { get; }
    public LayerNorm Norm { get; }
    private readonly ClassifierHead _head;

    private sealed class PatchEmbed : Module
    {
        public readonly Conv2d Proj;
        public readonly LayerNorm Norm;

        public PatchEmbed(SwinConfig c, Generator gen)
        {
            Proj = RegisterModule("proj", new Conv2d(c.InChans, c.EmbedDim, c.PatchSize, c.PatchSize, gen: gen));
            Norm = RegisterModule("norm", new LayerNorm(c.EmbedDim));
        }
    }

    /// <summary>timm's ClassifierHead: dropout, then <c>fc</c> (absent with num_classes 0).</summary>
    private sealed class ClassifierHead : Module
    {
        public readonly Dropout Drop;
        public readonly Linear? Fc;

        public ClassifierHead(SwinConfig c, Generator gen)
        {
            Drop = RegisterModule("drop", new Dropout((float)c.DropRate, gen));
            if (c.NumClasses > 0) Fc = RegisterModule("fc", new Linear(c.NumFeatures, c.NumClasses, gen: gen));
        }
    }

    public SwinTransformer(SwinConfig config, ulong seed = 0)
    {
        Config = config.Validate();
        var gen = new Generator(seed);
        var embed = RegisterModule("patch_embed", new PatchEmbed(config, gen));
        (PatchProj, PatchNorm) = (embed.Proj, embed.Norm);
        Layers = RegisterModule("layers", new ModuleList<SwinStage>());
        for (int i = 0, first = 0; i < config.NumLayers; first += config.Depths[i], i++)
            Layers.Add(new SwinStage(config, i, first, gen));
        Norm = RegisterModule("norm", new LayerNorm(config.NumFeatures));
        _head = RegisterModule("head", new ClassifierHead(config, gen));
        // timm's init: linear weights (and the relative position tables) trunc_normal(std 0.02), linear biases 0;
        // the patch conv keeps PyTorch's default.
        foreach (var (name, p) in NamedParameters())
        {
            if (name.StartsWith("patch_embed.", StringComparison.Ordinal) || name.Contains("norm", StringComparison.Ordinal)) continue;
            if (p.Rank == 2) Init.TruncNormal(p, gen, 0, 0.02);
            else if (name.EndsWith(".bias", StringComparison.Ordinal)) p.AsSpan().Clear();
        }
    }

    /// <summary>Parameters that get no weight decay beyond biases and norms: the relative position tables (timm's no_weight_decay()).</summary>
    public IReadOnlyList<string> NoWeightDecay => NoWeightDecayOf(Config);

    /// <summary>The relative position tables of a model of <paramref name="config"/>, by name.</summary>
    public static IReadOnlyList<string> NoWeightDecayOf(SwinConfig config) =>
        config.Depths.SelectMany((depth, i) => Enumerable.Range(0, depth).Select(j => $"layers.{i}.blocks.{j}.attn.relative_position_bias_table")).ToList();

    /// <summary>The map after the last stage and the final norm.</summary>
    /// <param name="images">[B, in_chans, H, W]; H and W multiples of patch_size, not necessarily img_size: the
    /// stages keep the windows chosen for img_size and pad other maps to them (torchvision's behaviour)</param>
    /// <returns>[B, H', W', num_features]</returns>
    public Tensor ForwardFeatures(Tensor images)
    {
        var x = Embed(images);
        foreach (var stage in Layers)
        {
            var next = stage.Forward(x);
            if (!ReferenceEquals(next, x)) x.DisposeIfNoGrad();
            x = next;
        }
        return Norm.Forward(x);
    }

    /// <summary>The patch embeddings, the input of the first stage.</summary>
    /// <param name="images">[B, in_chans, H, W]; H and W multiples of patch_size</param>
    /// <returns>[B, H / patch_size, W / patch_size, embed_dim]</returns>
    public Tensor Embed(Tensor images)
    {
        if (images.Rank != 4 || images.Shape[1] != Config.InChans)
            throw new ArgumentException($"SwinTransformer: input {ShapeUtil.Format(images.Shape)} is not [B, {Config.InChans}, H, W]");
        if (images.Shape[2] % Config.PatchSize != 0 || images.Shape[3] % Config.PatchSize != 0)
            throw new ArgumentException($"SwinTransformer: image size {images.Shape[2]}x{images.Shape[3]} is not a multiple of the patch size {Config.PatchSize}");
        return PatchNorm.Forward(PatchProj.Forward(images).Permute(0, 2, 3, 1));
    }

    /// <summary>The <see cref="AttentionMap.Kind"/> of <see cref="MapAttention"/>.</summary>
    public const string AttentionKind = "last-stage window attention";

    /// <summary>
    /// The attention each token of the last stage's map receives within its window (<see cref="SwinBlock.ReceivedAttention"/>:
    /// the mean over heads and over the window's queries on the map, the shift undone and padding cropped), averaged
    /// over the last stage's blocks, from one no-grad forward. The last stage is the map the head pools; all of its
    /// blocks are averaged rather than its last one alone because they alternate regular and shifted windows: a
    /// single block's map shows the edges of its own window partition (each of its windows sums to 1), the mean
    /// lets attention flow across them. Without padding the map sums to the number of windows (each block's does).
    /// </summary>
    /// <param name="images">[B, in_chans, H, W]</param>
    /// <returns>[B, H', W'], H' = ceil(H / patch_size / 2^(stages - 1)) (each merging rounds an odd map up)</returns>
    public Tensor ReceivedAttention(Tensor images)
    {
        using var _ = GradMode.NoGrad();
        var x = Embed(images);
        for (int i = 0; i < Layers.Count - 1; i++) x = Layers[i].Forward(x);
        var received = new List<Tensor>();
        Layers[^1].Forward(x, received);
        return Ops.Mean(Ops.Cat(received.ToArray(), 3), 3);
    }

    /// <summary>
    /// <see cref="ReceivedAttention"/> of image <paramref name="index"/> over the last stage's grid, divided by its maximum:
    /// the grid is the image's patch grid halved once per stage after the first.
    /// </summary>
    /// <param name="images">[B, in_chans, H, W]</param>
    public AttentionMap MapAttention(Tensor images, int index)
    {
        using var scope = new TensorScope();
        var all = ReceivedAttention(images);
        if (index < 0 || index >= all.Shape[0]) throw new ArgumentException($"SwinTransformer: image {index} of a batch of {all.Shape[0]}");
        var map = all.Select(0, index);
        var last = Layers[^1];
        return AttentionMap.Scaled(map.Contiguous().ToArray(), map.Shape[0], map.Shape[1], AttentionKind,
            $"last-stage window attention (stage {Layers.Count - 1}: mean of {last.Blocks.Count} blocks and {Config.NumHeads[^1]} heads, window {last.Blocks[0].Window})");
    }

    /// <param name="images">[B, in_chans, H, W]</param>
    /// <returns>logits [B, num_classes] (the pooled features [B, num_features] when num_classes is 0)</returns>
    public override Tensor Forward(Tensor images)
    {
        var pooled = _head.Drop.Forward(Ops.Mean(ForwardFeatures(images), new[] { 1, 2 }));
        return _head.Fc == null ? pooled : _head.Fc.Forward(pooled);
    }
}
