using Vitrum.Tensors.Autograd;
using Vitrum.Tensors.Kernels;

namespace Vitrum.Tensors;

/// <summary>How a loss combines its per-element values (PyTorch's <c>reduction</c> argument).</summary>
public enum Reduction
{
    /// <summary>No reduction: one loss per target.</summary>
    None,

    /// <summary>The (weighted) mean: the sum divided by the total weight of the targets not ignored.</summary>
    Mean,

    /// <summary>The sum.</summary>
    Sum,
}

public static partial class Ops
{
    /// <summary>
    /// torch.nn.functional.cross_entropy (torch 1.13): log-softmax over the class dim fused with the
    /// negative log-likelihood. Class-index targets skip <paramref name="ignoreIndex"/>; with
    /// <paramref name="weight"/> each target counts w[target] and the mean divides by the summed weight of
    /// the targets not ignored. Label smoothing eps mixes (1 - eps) of that loss with eps/C of the cross
    /// entropy against the uniform distribution (weighted by w too). Float32 targets of the logits' shape
    /// are class probabilities (no ignore index; the mean divides by the number of rows). The logits
    /// receive a gradient, probability targets too; the class weights do not (as in PyTorch).
    /// </summary>
    /// <param name="logits">[N, C], [N, C, d1, ...] or [C]</param>
    /// <param name="targets">Int64 [N], [N, d1, ...] or [] with values in [0, C) or ignoreIndex; or Float32 like logits</param>
    /// <param name="weight">[C] or null</param>
    public static unsafe Tensor CrossEntropy(Tensor logits, Tensor targets, Tensor? weight = null, long ignoreIndex = -100,
        float labelSmoothing = 0f, Reduction reduction = Reduction.Mean)
    {
        RequireFloat("CrossEntropy", logits);
        if (logits.Rank == 0) throw new ArgumentException("CrossEntropy: logits need a class dim, got a scalar");
        bool soft = targets.DType == DType.Float32;
        int classes = logits.Shape[logits.Rank == 1 ? 0 : 1];
        int n = logits.Rank == 1 ? 1 : logits.Shape[0];
        int rows = classes == 0 ? 0 : logits.Numel / classes;
        var lossShape = LossShape(logits);
        if (soft && !ShapeUtil.SameShape(targets.Shape, logits.Shape))
            throw new ArgumentException($"CrossEntropy: probability targets {ShapeUtil.Format(targets.Shape)} must have the shape of the logits {ShapeUtil.Format(logits.Shape)}");
        if (!soft && !ShapeUtil.SameShape(targets.Shape, lossShape))
            throw new ArgumentException($"CrossEntropy: targets {ShapeUtil.Format(targets.Shape)} do not match logits {ShapeUtil.Format(logits.Shape)} (expected {ShapeUtil.Format(lossShape)})");
        if (weight != null)
        {
            RequireFloat("CrossEntropy", weight);
            if (!ShapeUtil.SameShape(weight.Shape, new[] { classes }))
                throw new ArgumentException($"CrossEntropy: weight {ShapeUtil.Format(weight.Shape)} does not match the {classes} classes of logits {ShapeUtil.Format(logits.Shape)}");
        }
        if (!(labelSmoothing >= 0f && labelSmoothing <= 1f))
            throw new ArgumentException($"CrossEntropy: label smoothing must be between 0 and 1, got {labelSmoothing}");
        if (!Enum.IsDefined(reduction)) throw new ArgumentException($"CrossEntropy: unknown reduction {reduction}");

        Tensor x, t, wc = Tensor.Empty(Array.Empty<int>()), loss = Tensor.Empty(new[] { rows }), stats = Tensor.Empty(new[] { rows, 2 }), denom = Tensor.Empty(new[] { rows });
        using (GradMode.NoGrad())
        {
            x = ClassRows(logits, n, classes);
            t = soft ? ClassRows(targets, n, classes) : targets.Contiguous();
            if (!soft) CheckTargets(t.LongSpan, classes, ignoreIndex, logits);
            if (weight != null) wc = weight.Contiguous();
            if (rows > 0)
                CrossEntropyKernel.Setup(x.Ptr, soft ? null : CrossEntropyKernel.TargetsPointer(t), soft ? t.Ptr : null, weight == null ? null : wc.Ptr, rows, classes, ignoreIndex, labelSmoothing)
                    .Forward(loss.Ptr, stats.Ptr, denom.Ptr);
        }
        double total = 0, totalWeight = 0;
        if (reduction != Reduction.None)
        {
            foreach (var v in loss.Span) total += v;
            foreach (var v in denom.Span) totalWeight += v;
        }
        var o = reduction switch
        {
            Reduction.None => loss.Reshape(lossShape),
            Reduction.Sum => ScalarLike((float)total),
            _ => ScalarLike((float)(total / totalWeight)),
        };
        var node = soft ? Engine.Record(o, "CrossEntropy", GradRules.CrossEntropy, logits, targets) : Engine.Record(o, "CrossEntropy", GradRules.CrossEntropy, logits);
        if (node != null)
        {
            node.Saved = new Tensor?[] { x, t, weight == null ? null : wc, stats };
            node.Ints = new[] { n, classes, (int)reduction, soft ? 1 : 0 };
            node.Floats = new[] { labelSmoothing, (float)totalWeight };
            node.State = ignoreIndex;
        }
        return o;
    }

    /// <summary>The logits' shape without the class dim: the shape of the unreduced loss.</summary>
    private static int[] LossShape(Tensor logits)
    {
        if (logits.Rank == 1) return Array.Empty<int>();
        var s = new List<int>(logits.Shape);
        s.RemoveAt(1);
        return s.ToArray();
    }

    /// <summary>[C], [N, C] or [N, C, d...] as contiguous rows of C: [N*d..., C] (class dim moved last when there are extra dims).</summary>
    internal static Tensor ClassRows(Tensor t, int n, int classes)
    {
        if (t.Numel == 0) return Tensor.Empty(new[] { 0, classes });
        if (t.Rank <= 2) return t.Contiguous().Reshape(-1, classes);
        return t.Reshape(n, classes, -1).Transpose(1, 2).Reshape(-1, classes);
    }

    private static void CheckTargets(ReadOnlySpan<long> targets, int classes, long ignoreIndex, Tensor logits)
    {
        foreach (var v in targets)
            if (v != ignoreIndex && (v < 0 || v >= classes))
                throw new ArgumentException($"CrossEntropy: target {v} is out of range for {classes} classes (logits {ShapeUtil.Format(logits.Shape)}, ignore index {ignoreIndex})");
    }
}
