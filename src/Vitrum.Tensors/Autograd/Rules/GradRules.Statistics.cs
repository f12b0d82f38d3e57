using Vitrum.Tensors.Kernels;

namespace Vitrum.Tensors.Autograd;

internal static partial class GradRules
{
    /// <summary>dx = g / n broadcast over the reduced axes (Ints: input shape with reduced dims 1, Floats: 1/n).</summary>
    public static void Mean(Node n, Tensor g) =>
        n.Pass(0, Ops.Mul(g.Reshape(n.Ints).Expand(n.Inputs[0].Shape).Contiguous(), n.Floats[0]));

    /// <summary>dx = 2/(n - correction) g (x - mean), PyTorch's var_backward.</summary>
    public static void Var(Node n, Tensor g)
    {
        var centered = Ops.Sub(n.Inputs[0], n.Saved[0]!);
        n.Pass(0, Ops.Mul(Ops.Mul(centered, g.Reshape(n.Ints)), n.Floats[0]));
    }

    /// <summary>Max/min along an axis: the whole gradient goes to the selected index (Ints: outer, r, inner).</summary>
    public static void SelectAlong(Node n, Tensor g)
    {
        var x = n.Inputs[0];
        var dx = Tensor.Empty(x.Shape);
        ArgReduce.Scatter(g.Contiguous().Span, n.Saved[0]!.LongSpan, n.Ints[0], n.Ints[1], n.Ints[2], dx.Span);
        n.Pass(0, dx);
    }

    /// <summary>Max/min of all elements: the gradient is shared evenly by every element equal to the result (NaN matches NaN).</summary>
    public static void ExtremeOfAll(Node n, Tensor g)
    {
        var x = n.Inputs[0].Contiguous().Span;
        float m = n.Saved[0]!.Item();
        bool nan = float.IsNaN(m);
        int count = 0;
        foreach (var v in x) if (v == m || (nan && float.IsNaN(v))) count++;
        float share = g.Item() / count;
        var dx = Tensor.Zeros(n.Inputs[0].Shape);
        var d = dx.Span;
        for (int i = 0; i < x.Length; i++)
            if (x[i] == m || (nan && float.IsNaN(x[i]))) d[i] = share;
        n.Pass(0, dx);
    }
}
