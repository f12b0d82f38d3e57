// Weight import for the Transformer (Vaswani et al., 2017) from torch.nn.Transformer-based state dicts.
using Vitrum.Nn.IO;
using Vitrum.Tensors;
using Vitrum.Tensors.Memory;

namespace Vitrum.Models.Transformer;

/// <summary>Loads torch.nn.Transformer-based weights (safetensors or torch.save) into a <see cref="TransformerModel"/>.</summary>
public static class TransformerWeights
{
    /// <summary>
    /// A PyTorch state dict lists a shared tensor under each of its names: with shared embeddings
    /// <c>tgt_embed.weight</c> repeats <c>src_embed.weight</c>, with a tied output <c>generator.weight</c>
    /// repeats the target embedding. The model holds such a tensor once, so the repeats are dropped here,
    /// after checking that they are repeats. A pure function: the input is not changed.
    /// </summary>
    /// <exception cref="ArgumentException">a repeated key holds values different from the tensor it should repeat</exception>
    public static Dictionary<string, Tensor> Filter(IReadOnlyDictionary<string, Tensor> state, TransformerConfig config)
    {
        var d = new Dictionary<string, Tensor>(state, StringComparer.Ordinal);
        var tgt = config.ShareEmbeddings ? "src_embed.weight" : "tgt_embed.weight";
        if (config.ShareEmbeddings) DropRepeat(d, "tgt_embed.weight", "src_embed.weight");
        if (config.TieOutput) DropRepeat(d, "generator.weight", tgt);
        return d;
    }

    private static void DropRepeat(Dictionary<string, Tensor> d, string repeat, string of)
    {
        if (!d.TryGetValue(repeat, out var r)) return;
        if (d.TryGetValue(of, out var o) && ShapeUtil.SameShape(r.Shape, o.Shape) && r.DType == o.DType
            && (r.DType != DType.Float32 || r.Contiguous().AsSpan().SequenceEqual(o.Contiguous().AsSpan())))
        {
            d.Remove(repeat);
            return;
        }
        throw new ArgumentException($"checkpoint: {repeat} {ShapeUtil.Format(r.Shape)} should repeat {of} (the config shares them) but differs from it");
    }

    /// <summary>Reads <paramref name="path"/> and loads it strictly (see <see cref="Load(TransformerModel, IReadOnlyDictionary{string, Tensor}, string)"/>).</summary>
    /// <exception cref="CheckpointFormatException">the file is malformed</exception>
    public static void Load(TransformerModel model, string path)
    {
        using var scope = new TensorScope();
        Load(model, StateDictFile.Load(path), Path.GetFileName(path));
    }

    /// <summary>
    /// Filters <paramref name="state"/> and copies it into the model strictly: every parameter present with its
    /// shape, nothing left over.
    /// </summary>
    /// <exception cref="ArgumentException">the checkpoint is not one of this Transformer (the message gives the model's sizes and the missing, unexpected and mismatched keys)</exception>
    public static void Load(TransformerModel model, IReadOnlyDictionary<string, Tensor> state, string source) =>
        new ModelInstance(TransformerFamily.Instance, model.Config, model).LoadWeights(state, source);
}
