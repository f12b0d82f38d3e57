// DETR: End-to-End Object Detection with Transformers (Carion et al. 2020); facebookresearch/detr's
// models/matcher.py, with the set-cost weights of its main.py.
using Vitrum.Nn;
using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;

namespace Vitrum.Models.Detr;

/// <summary>The matched pairs of one image: query PredIndices[k] predicts target TargetIndices[k]; queries ascending.</summary>
public sealed record MatchIndices(int[] PredIndices, int[] TargetIndices)
{
    public int Count => PredIndices.Length;
}

/// <summary>
/// DETR's one-to-one assignment of queries to ground-truth objects, image by image: the cost of giving target j to
/// query i is cost_class * (-p_i(class_j)) + cost_bbox * L1(box_i, box_j) + cost_giou * (-GIoU(box_i, box_j)), with p
/// the softmax of the logits, L1 on (cx, cy, w, h) and GIoU on the corners; <see cref="LinearSumAssignment"/> picks
/// the cheapest min(Q, T) pairs. No gradients flow: the matching only decides which prediction each loss compares.
/// </summary>
public sealed class HungarianMatcher
{
    /// <param name="costClass">weight of the class cost (DETR's set_cost_class)</param>
    /// <param name="costBbox">weight of the L1 box cost (set_cost_bbox)</param>
    /// <param name="costGiou">weight of the GIoU cost (set_cost_giou)</param>
    public HungarianMatcher(float costClass = 1, float costBbox = 5, float costGiou = 2)
    {
        if (costClass == 0 && costBbox == 0 && costGiou == 0)
            throw new ArgumentException("HungarianMatcher: all three costs are 0, so every matching would be equally good; give at least one a weight");
        (CostClass, CostBbox, CostGiou) = (costClass, costBbox, costGiou);
    }

    public float CostClass { get; }
    public float CostBbox { get; }
    public float CostGiou { get; }

    /// <summary>The matching of every image (auxiliary outputs are not read: match each one on its own).</summary>
    /// <returns>one <see cref="MatchIndices"/> per image, of min(Q, T) pairs</returns>
    public IReadOnlyList<MatchIndices> Forward(DetrOutput outputs, IReadOnlyList<DetrTarget> targets)
    {
        const string who = "HungarianMatcher";
        var (batch, queries, classes) = outputs.Check(who);
        DetrTarget.CheckCount(who, targets, batch);
        using var _ = GradMode.NoGrad();
        var prob = Ops.Softmax(outputs.PredLogits.Detach(), -1);
        var boxes = outputs.PredBoxes.Detach();
        var corners = BoxOps.BoxCxcywhToXyxy(boxes);
        var matches = new MatchIndices[batch];
        for (int i = 0; i < batch; i++)
        {
            var t = targets[i];
            t.CheckedLabels(who, i, classes);
            var cost = CostMatrix(prob.Select(0, i), boxes.Select(0, i), corners.Select(0, i), t);
            var (rows, cols) = LinearSumAssignment.Solve(Array.ConvertAll(cost.ToArray(), v => (double)v), queries, t.Count);
            matches[i] = new MatchIndices(rows, cols);
        }
        return matches;
    }

    /// <summary>The [Q, T] matching costs of one image, in float32 as DETR computes them (scipy then solves in double).</summary>
    /// <param name="prob">[Q, classes] softmax probabilities</param>
    /// <param name="boxes">[Q, 4] predicted (cx, cy, w, h)</param>
    /// <param name="corners">[Q, 4] the same boxes as (x0, y0, x1, y1)</param>
    internal Tensor CostMatrix(Tensor prob, Tensor boxes, Tensor corners, DetrTarget target)
    {
        int queries = prob.Shape[0];
        if (target.Count == 0) return Tensor.Zeros(queries, 0);
        var costClass = Ops.Neg(Ops.IndexSelect(prob, 1, target.Labels));
        var costBbox = Ops.Sum(Ops.Abs(Ops.Sub(boxes.Unsqueeze(1), target.Boxes)), 2);
        var costGiou = Ops.Neg(BoxOps.GeneralizedBoxIou(corners, BoxOps.BoxCxcywhToXyxy(target.Boxes)));
        return Ops.Add(Ops.Add(Ops.Mul(costBbox, CostBbox), Ops.Mul(costClass, CostClass)), Ops.Mul(costGiou, CostGiou));
    }
}
