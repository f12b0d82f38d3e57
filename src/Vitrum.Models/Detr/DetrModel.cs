// DETR: End-to-End Object Detection with Transformers (Carion et al. 2020); the DETR module of facebookresearch/detr's
// models/detr.py, whose state-dict keys (and so its published checkpoints) it shares.
using Vitrum.Nn;
using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;

namespace Vitrum.Models.Detr;

/// <summary>
/// DETR: a ResNet's last feature map (<c>backbone.0.body.*</c>) projected to hidden_dim by a 1x1 convolution
/// (<c>input_proj</c>), a transformer encoder-decoder over it with positions from the padding mask
/// (<c>transformer.*</c>) and num_queries learned object queries (<c>query_embed</c>), then per query class logits over
/// num_classes + 1 (<c>class_embed</c>; the last is "no object") and a box (cx, cy, w, h) relative to the image through
/// a 3-layer MLP and a sigmoid (<c>bbox_embed.layers.0-2</c>). With aux_loss the same heads read every decoder layer.
/// Keys are registered in the official model's order.
/// </summary>
public sealed class DetrModel : Module<ImageBatch, DetrOutput>, IInferenceFusion, IQueryAttentionMap
{
    public DetrConfig Config { get; }
    public DetrTransformer Transformer { get; }
    public Linear ClassEmbed { get; }
    public DetrMlp BboxEmbed { get; }
    public Embedding QueryEmbed { get; }
    public Conv2d InputProj { get; }
    public Joiner Backbone { get; }

    /// <summary>The queries of the training-only groups 2..G (Group DETR), [(G - 1) * num_queries, hidden_dim]; null with one group.</summary>
    public Embedding? GroupQueryEmbed { get; }

    /// <summary>Training only (DN-DETR): a denoising query's content from its noised label, [num_classes, hidden_dim]; null without dn_groups.</summary>
    public Embedding? DnLabelEmbed { get; }

    /// <summary>Training only (DN-DETR): a denoising query's position from its noised box's sine embedding, a 2-layer MLP; null without dn_groups.</summary>
    public DetrMlp? DnBoxEmbed { get; }

    public DetrModel(DetrConfig config, ulong seed = 0)
    {
        Config = config.Validate();
        var gen = new Generator(seed);
        var backbone = new Joiner(new DetrBackbone(config.Body(), seed), PositionEmbedding.Create(config, gen));
        int d = config.HiddenDim;
        Transformer = RegisterModule("transformer", new DetrTransformer(config, gen));
        ClassEmbed = RegisterModule("class_embed", new Linear(d, config.NumClasses + 1, gen: gen));
        BboxEmbed = RegisterModule("bbox_embed", new DetrMlp(d, d, 4, 3, gen));
        QueryEmbed = RegisterModule("query_embed", new Embedding(config.NumQueries, d, gen: gen));
        InputProj = RegisterModule("input_proj", new Conv2d(backbone.Backbone.NumChannels, d, 1, gen: gen));
        Backbone = RegisterModule("backbone", backbone);
        if (config.QueryGroups > 1)
            GroupQueryEmbed = RegisterModule("group_query_embed", new Embedding((config.QueryGroups - 1) * config.NumQueries, d, gen: gen));
        if (config.DenoisingGroups > 0)
        {
            DnLabelEmbed = RegisterModule("dn_label_embed", new Embedding(config.NumClasses, d, gen: gen));
            DnBoxEmbed = RegisterModule("dn_box_embed", new DetrMlp(d, d, d, 2, gen));
        }
    }

    /// <summary>The class logits and boxes of every query (and of every decoder layer before the last with aux_loss).</summary>
    /// <param name="input">images [B, in_chans, H, W] and their padding mask [B, H, W] (nonzero = padding), or no mask</param>
    /// <returns>pred_logits [B, num_queries, num_classes + 1], pred_boxes [B, num_queries, 4] and the auxiliary outputs; in training with
    /// G query groups [B * G, ...], image-major (each image's targets go to G rows)</returns>
    /// <exception cref="ArgumentException">images that are not [B, in_chans, H, W], a mask of another size, or an image that is all padding</exception>
    public override DetrOutput Forward(ImageBatch input) => Forward(input, null, out _);

    /// <param name="crossAttention">when given, receives each decoder layer's cross-attention probabilities [B, nheads, Q, h * w]</param>
    /// <param name="map">the feature map's padding, (h, w) its size</param>
    private DetrOutput Forward(ImageBatch input, ICollection<Tensor>? crossAttention, out PaddingMask map)
    {
        var encoded = Encode(input, out map);
        var queries = QueryEmbed.Weight;
        if (GroupQueryEmbed != null && Training)
            queries = Ops.Cat(new[] { queries, GroupQueryEmbed.Weight }).Reshape(Config.QueryGroups, Config.NumQueries, Config.HiddenDim);
        return Heads(Transformer.Decode(encoded, queries, crossAttention));
    }

    private EncodedMap Encode(ImageBatch input, out PaddingMask map)
    {
        var images = input.Images;
        var flags = input.CheckedPadding("DETR", Backbone.Backbone.InChans);
        var padding = new PaddingMask(flags, images.Shape[0], images.Shape[2], images.Shape[3]);
        var (features, mask, pos) = Backbone.Forward(images, padding);
        map = mask;
        return Transformer.Encode(InputProj.Forward(features), mask, pos);
    }

    /// <summary>The class and box heads on every decoder layer's output (the last alone without aux_loss).</summary>
    private DetrOutput Heads(IReadOnlyList<Tensor> hs)
    {
        var outputs = (Config.AuxLoss ? hs : hs.Skip(hs.Count - 1)).Select(h => new DetrOutput(ClassEmbed.Forward(h), Ops.Sigmoid(BboxEmbed.Forward(h)))).ToList();
        return outputs[^1] with { AuxOutputs = outputs.Take(outputs.Count - 1).ToArray() };
    }

    /// <summary>
    /// Training with DN-DETR's denoising queries: the object queries' outputs as <see cref="Forward(ImageBatch)"/> gives
    /// them in training, and those of the denoising queries, decoded over the same encoder output in rows of their own
    /// (each (image, group) a row, padding queries seen by none) through the same heads.
    /// </summary>
    /// <param name="input">images and their padding mask, as <see cref="Forward(ImageBatch)"/></param>
    /// <param name="dn">the noised targets of the batch's images, <see cref="DetrConfig.DnGroups"/> groups of them</param>
    /// <returns>the object queries' outputs, and the denoising queries' [B * groups, slots, ...] (with aux outputs as aux_loss says)</returns>
    /// <exception cref="InvalidOperationException">the model is in eval mode or has no denoising groups</exception>
    /// <exception cref="ArgumentException">the queries are for another batch size or group count</exception>
    public (DetrOutput Output, DetrOutput Denoised) ForwardDenoising(ImageBatch input, DenoisingQueries dn)
    {
        if (!Training || DnLabelEmbed == null || DnBoxEmbed == null)
            throw new InvalidOperationException($"DETR: denoising queries are a training aid: the model must be in training mode with dn_groups (it has {Config.DenoisingGroups}, training {Training})");
        if (dn.Batch != input.Images.Shape[0] || dn.Groups != Config.DenoisingGroups)
            throw new ArgumentException($"DETR: denoising queries for {dn.Batch} images in {dn.Groups} groups, expected {input.Images.Shape[0]} images (the batch) in dn_groups {Config.DenoisingGroups}");
        var encoded = Encode(input, out _);
        var queries = QueryEmbed.Weight;
        if (GroupQueryEmbed != null)
            queries = Ops.Cat(new[] { queries, GroupQueryEmbed.Weight }).Reshape(Config.QueryGroups, Config.NumQueries, Config.HiddenDim);
        var output = Heads(Transformer.Decode(encoded, queries));
        var content = DnLabelEmbed.Forward(dn.Labels);
        var position = DnBoxEmbed.Forward(dn.SineEmbedding(Config.HiddenDim));
        var denoised = Heads(Transformer.DecodeQueries(encoded, dn.Groups, content, position, dn.Padding));
        return (output, denoised);
    }

    /// <summary>The outputs and the last decoder layer's cross-attention, averaged over its heads, per query over the feature map.</summary>
    /// <param name="input">images [B, in_chans, H, W] and their padding mask, as <see cref="Forward(ImageBatch)"/></param>
    public QueryAttentionMap MapQueryAttention(ImageBatch input)
    {
        using var _ = GradMode.NoGrad();
        var layers = new List<Tensor>();
        var output = Forward(input, layers, out var map);
        var last = layers[^1];                                                   // [B, nheads, Q, h * w]
        var maps = Ops.Mean(last, 1).Reshape(map.Batch, Config.NumQueries, map.Height, map.Width);
        return new QueryAttentionMap(output, maps, map.Height, map.Width);
    }

    /// <summary>The images alone, nothing padded.</summary>
    /// <param name="images">[B, in_chans, H, W]</param>
    public DetrOutput Forward(Tensor images) => Forward(new ImageBatch(images));

    /// <summary>
    /// Folds the backbone's frozen norms into its convolutions for inference, or undoes it (see
    /// <see cref="Resnet.ResNet.FuseForInference"/>): a snapshot of the current weights, used in eval mode with gradients off.
    /// </summary>
    public void FuseForInference(bool fuse = true) => Backbone.Backbone.Body.FuseForInference(fuse);
}
