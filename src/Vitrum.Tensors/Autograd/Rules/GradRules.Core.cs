namespace Vitrum.Tensors.Autograd;

/// <summary>
/// Every backward rule in one class (split by op family over the files of this folder). A rule
/// receives the node and the gradient of the node's output and passes one gradient per input.
/// Rules run with gradients off and are written with the same ops as the forward pass.
/// </summary>
internal static partial class GradRules
{
    public static void Identity(Node n, Tensor g) => n.Pass(0, g);

    public static void Reshape(Node n, Tensor g) => n.Pass(0, g.Reshape(n.Inputs[0].Shape));

    public static void Permute(Node n, Tensor g)
    {
        var perm = n.Ints;
        var inv = new int[perm.Length];
        for (int i = 0; i < perm.Length; i++) inv[perm[i]] = i;
        n.Pass(0, g.Permute(inv));
    }

    public static void Narrow(Node n, Tensor g)
    {
        if (n.NeedsGrad(0)) Engine.AccumulateNarrow(n.Inputs[0], n.Ints[0], n.Ints[1], g);
    }

    public static void Slice(Node n, Tensor g)
    {
        var z = Tensor.Zeros(n.Inputs[0].Shape);
        int d = n.Ints[0], start = n.Ints[1], step = n.Ints[2];
        Ops.CopyInto(z.Slice(d, start, start + (g.Shape[d] - 1) * step + 1, step), g);
        n.Pass(0, z);
    }

    public static void Expand(Node n, Tensor g) => n.Pass(0, Ops.SumTo(g, n.Inputs[0].Shape));

    public static void Add(Node n, Tensor g)
    {
        n.Pass(0, Ops.SumTo(g, n.Inputs[0].Shape));
        n.Pass(1, Ops.SumTo(g, n.Inputs[1].Shape));
    }

    public static void Sub(Node n, Tensor g)
    {
        n.Pass(0, Ops.SumTo(g, n.Inputs[0].Shape));
        if (n.NeedsGrad(1)) n.Pass(1, Ops.SumTo(Ops.Neg(g), n.Inputs[1].Shape));
    }

    public static void Mul(Node n, Tensor g)
    {
        Tensor a = n.Saved[0]!, b = n.Saved[1]!;
        if (n.NeedsGrad(0)) n.Pass(0, Ops.SumTo(Ops.Mul(g, b), a.Shape));
        if (n.NeedsGrad(1)) n.Pass(1, Ops.SumTo(Ops.Mul(g, a), b.Shape));
    }

    public static void Div(Node n, Tensor g)
    {
        Tensor a = n.Saved[0]!, b = n.Saved[1]!;
        var gb = Ops.Div(g, b);
        if (n.NeedsGrad(0)) n.Pass(0, Ops.SumTo(gb, a.Shape));
        if (n.NeedsGrad(1)) n.Pass(1, Ops.SumTo(Ops.Neg(Ops.Div(Ops.Mul(gb, a), b)), b.Shape));
    }

    public static void Neg(Node n, Tensor g) => n.Pass(0, Ops.Neg(g));

    public static void Exp(Node n, Tensor g) => n.Pass(0, Ops.Mul(g, n.Saved[0]!));

    public static void Log(Node n, Tensor g) => n.Pass(0, Ops.Div(g, n.Inputs[0]));

    public static void Sum(Node n, Tensor g)
    {
        // Ints holds the input shape with reduced dims set to 1: re-insert them, then broadcast.
        n.Pass(0, g.Reshape(n.Ints).Expand(n.Inputs[0].Shape).Contiguous());
    }

    public static void MatMul(Node n, Tensor g)
    {
        Tensor a = n.Inputs[0], b = n.Inputs[1];
        // Promote 1-D operands as the forward did, so that the products below are plain matmuls.
        var a2 = a.Rank == 1 ? a.Unsqueeze(0) : a;
        var b2 = b.Rank == 1 ? b.Unsqueeze(-1) : b;
        var g2 = g;
        if (a.Rank == 1 && b.Rank == 1) g2 = g.Reshape(1, 1);
        else if (a.Rank == 1) g2 = g2.Unsqueeze(-2);
        else if (b.Rank == 1) g2 = g2.Unsqueeze(-1);
        if (n.NeedsGrad(0)) n.Pass(0, Ops.SumTo(Ops.MatMul(g2, b2.T), a2.Shape).Reshape(a.Shape));
        if (!n.NeedsGrad(1)) return;
        if (b2.Rank == 2 && a2.Rank > 2)
        {
            // A linear layer's weight: fold the batch into the rows, one [k, rows] @ [rows, n] product
            // instead of per-item products summed afterwards.
            var aRows = a2.Reshape(-1, a2.Shape[^1]);
            var gRows = g2.Reshape(-1, g2.Shape[^1]);
            n.Pass(1, Ops.MatMul(aRows.T, gRows).Reshape(b.Shape));
            return;
        }
        n.Pass(1, Ops.SumTo(Ops.MatMul(a2.T, g2), b2.Shape).Reshape(b.Shape));
    }
}
