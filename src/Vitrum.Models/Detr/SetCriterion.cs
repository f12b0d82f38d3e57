// DETR: End-to-End Object Detection with Transformers (Carion et al. 2020); facebookresearch/detr's SetCriterion
// (models/detr.py) with the losses labels, boxes and cardinality and the coefficients of its main.py.
using Vitrum.Nn;
using Vitrum.Tensors;

namespace Vitrum.Models.Detr;

/// <summary>
/// DETR's set loss: match queries to targets with the <see cref="HungarianMatcher"/>, then supervise each matched pair
/// (class and box) and every unmatched query as "no object". Repeated, with its own matching, for every auxiliary
/// decoder output. Box terms are divided by the number of target boxes in the batch (at least 1); the total weighs
/// each term by its coefficient (DETR's weight_dict, the same for every decoder layer).
/// </summary>
public sealed class SetCriterion
{
    /// <param name="numClasses">object classes, without "no object" (pred_logits has numClasses + 1)</param>
    /// <param name="matcher">DETR's default costs (1, 5, 2) when null</param>
    /// <param name="eosCoef">class weight of "no object" in the cross-entropy</param>
    /// <param name="ceLossCoef">weight of loss_ce in the total</param>
    /// <param name="bboxLossCoef">weight of loss_bbox (DETR's bbox_loss_coef)</param>
    /// <param name="giouLossCoef">weight of loss_giou (DETR's giou_loss_coef)</param>
    public SetCriterion(int numClasses, HungarianMatcher? matcher = null, float eosCoef = 0.1f,
        float ceLossCoef = 1, float bboxLossCoef = 5, float giouLossCoef = 2)
    {
        if (numClasses < 1) throw new ArgumentException($"SetCriterion: num_classes must be at least 1, got {numClasses}");
        if (!(eosCoef >= 0)) throw new ArgumentException($"SetCriterion: eos_coef must be a non-negative class weight, got {eosCoef}");
        (NumClasses, Matcher, EosCoef) = (numClasses, matcher ?? new HungarianMatcher(), eosCoef);
        (CeLossCoef, BboxLossCoef, GiouLossCoef) = (ceLossCoef, bboxLossCoef, giouLossCoef);
        var weight = Enumerable.Repeat(1f, numClasses + 1).ToArray();
        weight[numClasses] = eosCoef;
        EmptyWeight = Tensor.FromArray(weight, numClasses + 1);
    }

    public int NumClasses { get; }
    public HungarianMatcher Matcher { get; }
    public float EosCoef { get; }
    public float CeLossCoef { get; }
    public float BboxLossCoef { get; }
    public float GiouLossCoef { get; }

    /// <summary>[num_classes + 1]: the cross-entropy's class weights, 1 for objects and eos_coef for "no object".</summary>
    public Tensor EmptyWeight { get; }

    /// <summary>
    /// The whole batch's divisors when a data-parallel rank holds part of it: its target boxes (DETR's all-reduced
    /// num_boxes) and the total class weight of its cross-entropy (1 per matched query, eos_coef per other), each divided
    /// by the rank count. A rank's losses over them, averaged over the ranks as the gradients are, are the one process's.
    /// </summary>
    public readonly record struct Normalizers(float NumBoxes, float ClassWeight);

    /// <summary>
    /// What this part of a batch adds to <see cref="Normalizers"/> before the ranks sum them: its target boxes, and its
    /// queries' class weights (every image matches min(queries, boxes) queries).
    /// </summary>
    public (int Boxes, double ClassWeight) Shares(DetrOutput outputs, IReadOnlyList<DetrTarget> targets)
    {
        int queries = outputs.PredLogits.Shape[1], boxes = 0;
        double weight = 0;
        foreach (var t in targets)
        {
            int n = t.Labels.Numel, matched = Math.Min(n, queries);
            boxes += n;
            weight += matched + (queries - matched) * (double)EosCoef;
        }
        return (boxes, weight);
    }

    /// <summary>The loss terms of the final and every auxiliary output and their weighted sum.</summary>
    /// <param name="targets">one per image</param>
    /// <param name="normalizers">a data-parallel rank's divisors (the whole batch's); by default this batch's own: box terms over
    /// its boxes (at least 1), the cross-entropy a weighted mean</param>
    public DetrLosses Forward(DetrOutput outputs, IReadOnlyList<DetrTarget> targets, Normalizers? normalizers = null)
    {
        const string who = "SetCriterion";
        var (batch, _, classes) = outputs.Check(who);
        if (classes != NumClasses + 1)
            throw new ArgumentException($"{who}: pred_logits {ShapeUtil.Format(outputs.PredLogits.Shape)} has {classes} classes, expected num_classes + 1 = {NumClasses + 1} (the last is \"no object\")");
        DetrTarget.CheckCount(who, targets, batch);
        var labels = new long[batch][];
        int boxes = 0;
        for (int i = 0; i < batch; i++)
        {
            labels[i] = targets[i].CheckedLabels(who, i, NumClasses);
            boxes += labels[i].Length;
        }
        float numBoxes = normalizers?.NumBoxes ?? Math.Max(boxes, 1);
        float? classWeight = normalizers?.ClassWeight;
        var final = Terms(outputs, targets, labels, numBoxes, classWeight, logClassError: true);
        var aux = outputs.AuxOutputs.Select(o => Terms(o, targets, labels, numBoxes, classWeight, logClassError: false)).ToArray();
        // engine.py's sum over the loss dict, term by term in its order: loss_ce, loss_bbox, loss_giou, loss_ce_0, ...
        Tensor? total = null;
        foreach (var t in aux.Prepend(final))
            foreach (var (loss, coef) in new[] { (t.LossCe, CeLossCoef), (t.LossBbox, BboxLossCoef), (t.LossGiou, GiouLossCoef) })
                total = total == null ? Ops.Mul(loss, coef) : Ops.Add(total, Ops.Mul(loss, coef));
        return new DetrLosses(total!, final, aux);
    }

    private DetrLossTerms Terms(DetrOutput o, IReadOnlyList<DetrTarget> targets, long[][] labels, float numBoxes, float? classWeight, bool logClassError)
    {
        var indices = Matcher.Forward(o, targets);
        // The queries matched to a target, as rows of the [B * Q, ...] flattened outputs.
        int queries = o.PredLogits.Shape[1];
        var matched = indices.SelectMany((m, i) => m.PredIndices.Select(q => (long)i * queries + q)).ToArray();
        var matchedLabels = indices.SelectMany((m, i) => m.TargetIndices.Select(j => labels[i][j])).ToArray();
        var lossCe = LossLabels(o.PredLogits, matched, matchedLabels, classWeight);
        var (lossBbox, lossGiou) = LossBoxes(o.PredBoxes, targets, indices, matched, numBoxes);
        var predicted = Ops.ArgMax(o.PredLogits, -1).ToLongArray();
        double? classError = logClassError ? ClassError(predicted, matched, matchedLabels) : null;
        return new DetrLossTerms(lossCe, lossBbox, lossGiou, CardinalityError(predicted, queries, labels), classError, indices);
    }

    /// <summary>
    /// Cross-entropy of every query: its matched target's class, or "no object" (index num_classes); the weighted mean, or
    /// the weighted sum over <paramref name="classWeight"/> (a data-parallel rank's share of the whole batch's).
    /// </summary>
    private Tensor LossLabels(Tensor logits, long[] matched, long[] matchedLabels, float? classWeight)
    {
        var targetClasses = new long[logits.Shape[0] * logits.Shape[1]];
        Array.Fill(targetClasses, NumClasses);
        for (int k = 0; k < matched.Length; k++) targetClasses[matched[k]] = matchedLabels[k];
        var flat = logits.Reshape(-1, NumClasses + 1);
        var gold = Tensor.FromLongs(targetClasses, targetClasses.Length);
        return classWeight is float w
            ? Ops.Div(Ops.CrossEntropy(flat, gold, EmptyWeight, reduction: Reduction.Sum), w)
            : Ops.CrossEntropy(flat, gold, EmptyWeight);
    }

    /// <summary>L1 and 1 - GIoU between each matched query's box and its target's, summed and divided by the number of target boxes.</summary>
    private static (Tensor L1, Tensor Giou) LossBoxes(Tensor predBoxes, IReadOnlyList<DetrTarget> targets, IReadOnlyList<MatchIndices> indices,
        long[] matched, float numBoxes)
    {
        var src = Ops.IndexSelect(predBoxes.Reshape(-1, 4), 0, Tensor.FromLongs(matched, matched.Length));
        var tgt = Ops.Cat(indices.Select((m, i) => Ops.IndexSelect(targets[i].Boxes.Detach(), 0,
            Tensor.FromLongs(Array.ConvertAll(m.TargetIndices, j => (long)j), m.Count))).ToArray());
        var l1 = Ops.Div(Losses.L1Loss(src, tgt, Reduction.Sum), numBoxes);
        // DETR takes the diagonal of the pairwise [N, N] GIoU: entry k * (N + 1) of the flattened matrix.
        int n = matched.Length;
        var pairwise = BoxOps.GeneralizedBoxIou(BoxOps.BoxCxcywhToXyxy(src), BoxOps.BoxCxcywhToXyxy(tgt));
        var diagonal = Ops.IndexSelect(pairwise.Reshape(-1), 0, Tensor.FromLongs(Enumerable.Range(0, n).Select(k => (long)k * (n + 1)).ToArray(), n));
        var giou = Ops.Div(Ops.Sum(Ops.Add(Ops.Neg(diagonal), 1f)), numBoxes);
        return (l1, giou);
    }

    /// <summary>100 - the percentage of matched queries whose most likely class is their target's (100 when nothing matched, as DETR's accuracy gives 0).</summary>
    private static double ClassError(long[] predicted, long[] matched, long[] matchedLabels)
    {
        if (matched.Length == 0) return 100;
        int correct = 0;
        for (int k = 0; k < matched.Length; k++)
            if (predicted[matched[k]] == matchedLabels[k]) correct++;
        return 100 - correct * (100.0 / matched.Length);
    }

    /// <summary>Mean over images of |queries whose most likely class is an object - target objects|.</summary>
    private double CardinalityError(long[] predicted, int queries, long[][] labels)
    {
        double sum = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            int objects = 0;
            for (int q = 0; q < queries; q++)
                if (predicted[i * queries + q] != NumClasses) objects++;
            sum += Math.Abs(objects - labels[i].Length);
        }
        return sum / labels.Length;
    }
}
