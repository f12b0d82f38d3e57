// DN-DETR: Accelerate DETR Training by Introducing Query DeNoising (Li et al. 2022), the noising of its
// prepare_for_dn (IDEA-Research/DN-DETR, models/DN_DAB_DETR/dn_components.py), as a training aid for a plain DETR.
using Vitrum.Tensors;

namespace Vitrum.Models.Detr;

/// <summary>
/// The denoising queries of a training batch: <see cref="Groups"/> noised copies of each image's targets, one decoder
/// row per (image, group), image-major, every row <see cref="Slots"/> queries long (the batch's most targets; the rest
/// padding). DN-DETR's noise: a label is replaced by a random class with probability <c>labelNoise</c>; a box's centre
/// moves by up to <c>boxNoise</c> times half its size and its width and height change by up to <c>boxNoise</c> times
/// themselves (uniformly), clamped to [0, 1]. Each query must give back its target's clean label and box.
/// </summary>
public sealed class DenoisingQueries
{
    /// <summary>DN-DETR's defaults (label_noise_scale 0.2, box_noise_scale 0.4).</summary>
    public const float DefaultLabelNoise = 0.2f, DefaultBoxNoise = 0.4f;

    public int Batch { get; }
    public int Groups { get; }
    public int Slots { get; }

    /// <summary>Int64 [B * groups, slots]: the noised labels (0 in padding).</summary>
    public Tensor Labels { get; }

    /// <summary>Float32 [B * groups, slots, 4]: the noised boxes, (cx, cy, w, h) relative to the image (0 in padding).</summary>
    public Tensor Boxes { get; }

    /// <summary>Int64 [B * groups, slots]: 1 for a padding query, which no other query attends and no loss reads.</summary>
    public Tensor Padding { get; }

    /// <summary>The real queries as indices into the flattened [B * groups * slots] rows, in order.</summary>
    public long[] Real { get; }

    /// <summary>Int64 [real]: each real query's clean target label.</summary>
    public Tensor TargetLabels { get; }

    /// <summary>Float32 [real, 4]: each real query's clean target box.</summary>
    public Tensor TargetBoxes { get; }

    private DenoisingQueries(int batch, int groups, int slots, long[] labels, float[] boxes, long[] padding, List<long> real, List<long> targetLabels, List<float> targetBoxes)
    {
        (Batch, Groups, Slots) = (batch, groups, slots);
        Labels = Tensor.FromLongs(labels, batch * groups, slots);
        Boxes = Tensor.FromArray(boxes, batch * groups, slots, 4);
        Padding = Tensor.FromLongs(padding, batch * groups, slots);
        Real = real.ToArray();
        TargetLabels = Tensor.FromLongs(targetLabels.ToArray(), real.Count);
        TargetBoxes = Tensor.FromArray(targetBoxes.ToArray(), real.Count, 4);
    }

    private DenoisingQueries(DenoisingQueries o, Tensor labels, Tensor boxes)
    {
        (Batch, Groups, Slots, Padding, Real, TargetLabels, TargetBoxes) = (o.Batch, o.Groups, o.Slots, o.Padding, o.Real, o.TargetLabels, o.TargetBoxes);
        (Labels, Boxes) = (labels, boxes);
    }

    /// <summary>The same queries and targets with other noised labels and boxes (of the same shapes).</summary>
    /// <exception cref="ArgumentException">labels or boxes of another shape or type</exception>
    public DenoisingQueries With(Tensor labels, Tensor boxes)
    {
        if (labels.DType != DType.Int64 || !ShapeUtil.SameShape(labels.Shape, Labels.Shape) || boxes.DType != DType.Float32 || !ShapeUtil.SameShape(boxes.Shape, Boxes.Shape))
            throw new ArgumentException($"DenoisingQueries: labels must be Int64 {ShapeUtil.Format(Labels.Shape)} and boxes Float32 {ShapeUtil.Format(Boxes.Shape)}, got {labels.DType} {ShapeUtil.Format(labels.Shape)} and {boxes.DType} {ShapeUtil.Format(boxes.Shape)}");
        return new DenoisingQueries(this, labels, boxes);
    }

    /// <summary>Noised copies of <paramref name="targets"/> (one per image), drawn from <paramref name="gen"/>.</summary>
    /// <param name="numClasses">object classes (a replaced label is drawn from [0, numClasses))</param>
    /// <exception cref="ArgumentException">no groups, a noise out of [0, 1], or a malformed target</exception>
    public static DenoisingQueries Make(IReadOnlyList<DetrTarget> targets, int groups, int numClasses, Generator gen,
        float labelNoise = DefaultLabelNoise, float boxNoise = DefaultBoxNoise)
    {
        const string who = "DenoisingQueries";
        if (groups < 1) throw new ArgumentException($"{who}: groups must be at least 1, got {groups}");
        if (labelNoise is < 0 or > 1 || boxNoise is < 0 or > 1)
            throw new ArgumentException($"{who}: label noise {labelNoise} and box noise {boxNoise} must be in [0, 1]");
        int b = targets.Count;
        var labels = new long[b][];
        var boxes = new float[b][];
        for (int i = 0; i < b; i++)
        {
            labels[i] = targets[i].CheckedLabels(who, i, numClasses);
            boxes[i] = targets[i].Boxes.Contiguous().ToArray();
        }
        // One slot at least, so a row of an image without targets still has a query (unpadded, read by no loss): a
        // row whose every query is padding would leave its self-attention nothing to attend.
        int slots = Math.Max(1, labels.Max(l => l.Length));
        var noisedLabels = new long[b * groups * slots];
        var noisedBoxes = new float[b * groups * slots * 4];
        var padding = new long[b * groups * slots];
        var real = new List<long>();
        var targetLabels = new List<long>();
        var targetBoxes = new List<float>();
        for (int i = 0; i < b; i++)
            for (int g = 0; g < groups; g++)
            {
                int row = i * groups + g, n = labels[i].Length;
                for (int k = Math.Max(n, 1); k < slots; k++) padding[row * slots + k] = 1;
                for (int k = 0; k < n; k++)
                {
                    int q = row * slots + k;
                    long label = labels[i][k];
                    noisedLabels[q] = gen.NextFloat() < labelNoise ? gen.NextInt(numClasses) : label;
                    var box = boxes[i].AsSpan(k * 4, 4);
                    for (int c = 0; c < 4; c++)
                    {
                        float diff = c < 2 ? box[c + 2] / 2 : box[c];
                        noisedBoxes[q * 4 + c] = Math.Clamp(box[c] + (gen.NextFloat() * 2 - 1) * diff * boxNoise, 0f, 1f);
                    }
                    real.Add(q);
                    targetLabels.Add(label);
                    targetBoxes.AddRange(box.ToArray());
                }
            }
        return new DenoisingQueries(b, groups, slots, noisedLabels, noisedBoxes, padding, real, targetLabels, targetBoxes);
    }

    /// <summary>
    /// DAB-DETR's sine embedding of boxes, as the map's <see cref="PositionEmbeddingSine"/> encodes a normalized cell:
    /// each of (cx, cy, w, h) scaled by 2 pi gives <paramref name="dim"/> / 4 features, sin and cos alternating over
    /// temperatures 10000^(2 floor(k / 2) / (dim / 4)), in the order cy, cx, w, h (the map's y features come first).
    /// </summary>
    /// <param name="dim">features per box, a multiple of 8</param>
    /// <returns>Float32 [B * groups, slots, dim], no gradient</returns>
    public Tensor SineEmbedding(int dim)
    {
        if (dim <= 0 || dim % 8 != 0) throw new ArgumentException($"DenoisingQueries: the sine embedding needs a positive multiple of 8 features, got {dim}");
        int f = dim / 4, queries = Batch * Groups * Slots;
        var dimT = new float[f];
        for (int k = 0; k < f; k++) dimT[k] = MathF.Pow(10000f, 2f * (k / 2) / f);
        var boxes = Boxes.ToArray();
        var result = new float[queries * dim];
        ReadOnlySpan<int> order = stackalloc int[] { 1, 0, 2, 3 };
        for (int q = 0; q < queries; q++)
            for (int part = 0; part < 4; part++)
            {
                float v = boxes[q * 4 + order[part]] * 2 * MathF.PI;
                for (int k = 0; k < f; k++)
                    result[q * dim + part * f + k] = k % 2 == 0 ? MathF.Sin(v / dimT[k]) : MathF.Cos(v / dimT[k]);
            }
        return Tensor.FromArray(result, Batch * Groups, Slots, dim);
    }
}
