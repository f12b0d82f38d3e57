using Vitrum.Tensors.Kernels;

namespace Vitrum.Tensors.Autograd;

internal static partial class GradRules
{
    /// <summary>
    /// Fused cross-entropy backward. Saved: logits as [rows, C], targets (Int64 [rows] or Float32
    /// [rows, C]), weight or null, per-row (max, log-sum). Ints: N, C, reduction, soft; Floats: label
    /// smoothing, total target weight (the mean's denominator); State: the ignore index.
    /// </summary>
    public static unsafe void CrossEntropy(Node n, Tensor g)
    {
        Tensor x = n.Saved[0]!, t = n.Saved[1]!, stats = n.Saved[3]!;
        Tensor? w = n.Saved[2];
        int batch = n.Ints[0], classes = n.Ints[1], rows = x.Shape[0];
        var reduction = (Reduction)n.Ints[2];
        bool soft = n.Ints[3] == 1;
        var logits = n.Inputs[0];
        var dx = Tensor.Empty(x.Shape);
        var dsoft = soft && n.NeedsGrad(1) ? Tensor.Empty(x.Shape) : null;
        var rowGrad = reduction == Reduction.None ? g.Contiguous() : null;
        float scale = reduction switch
        {
            Reduction.None => 0f,
            Reduction.Sum => g.Item(),
            _ => g.Item() / n.Floats[1],
        };
        if (rows > 0)
            CrossEntropyKernel.Setup(x.Ptr, soft ? null : CrossEntropyKernel.TargetsPointer(t), soft ? t.Ptr : null, w == null ? null : w.Ptr, rows, classes, (long)n.State!, n.Floats[0])
                .Backward(stats.Ptr, rowGrad == null ? null : rowGrad.Ptr, scale, dx.Ptr, dsoft == null ? null : dsoft.Ptr);
        n.Pass(0, FromClassRows(dx, logits.Shape, batch, classes));
        if (dsoft != null) n.Pass(1, FromClassRows(dsoft, logits.Shape, batch, classes));
    }

    /// <summary>The inverse of Ops.ClassRows: [N*d..., C] back to [N, C, d...].</summary>
    private static Tensor FromClassRows(Tensor rows, int[] shape, int batch, int classes) =>
        shape.Length <= 2 || rows.Numel == 0 ? rows.Reshape(shape) : rows.Reshape(batch, -1, classes).Transpose(1, 2).Reshape(shape);
}
