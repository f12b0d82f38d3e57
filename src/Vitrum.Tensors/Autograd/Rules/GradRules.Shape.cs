using Vitrum.Tensors.Kernels;

namespace Vitrum.Tensors.Autograd;

internal static partial class GradRules
{
    /// <summary>Each input gets its slice of the output gradient (a view); Ints = [axis, size per input or -1 if skipped].</summary>
    public static void Cat(Node n, Tensor g)
    {
        int ax = n.Ints[0], offset = 0;
        for (int i = 0; i < n.Inputs.Length; i++)
        {
            int size = n.Ints[i + 1];
            if (n.NeedsGrad(i)) n.Pass(i, size < 0 ? Tensor.Zeros(0) : g.Narrow(ax, offset, size));
            offset += Math.Max(size, 0);
        }
    }

    /// <summary>
    /// Constant padding is undone by the opposite padding (crop the border, zero-fill what was
    /// cropped); the other modes read input elements several times, so their gradients are summed
    /// back through the same index maps.
    /// </summary>
    public static void Pad(Node n, Tensor g)
    {
        var mode = (PadMode)n.State!;
        var pads = n.Ints;
        if (mode == PadMode.Constant)
        {
            n.Pass(0, Ops.Pad(g, pads.Select(p => -p).ToArray()));
            return;
        }
        var x = n.Inputs[0];
        var acc = Tensor.Zeros(x.Shape);
        MapCopy.ScatterAdd(acc, Ops.PadMaps(x.Shape, pads, mode, out _), g);
        n.Pass(0, acc);
    }

    /// <summary>Rolls back by the opposite shifts; Ints = [dim, reduced shift] pairs.</summary>
    public static void Roll(Node n, Tensor g)
    {
        var p = n.Ints;
        if (p.Length == 0)
        {
            n.Pass(0, g);
            return;
        }
        var shifts = new int[p.Length / 2];
        var dims = new int[p.Length / 2];
        for (int i = 0; i < dims.Length; i++)
        {
            dims[i] = p[2 * i];
            shifts[i] = -p[2 * i + 1];
        }
        n.Pass(0, Ops.Roll(g, shifts, dims));
    }

    /// <summary>Sums the gradient of every copy back onto the element it was copied from.</summary>
    public static void Repeat(Node n, Tensor g)
    {
        var acc = Tensor.Zeros(n.Inputs[0].Shape);
        var maps = Ops.RepeatMaps(acc, n.Ints, out var view, out _);
        MapCopy.ScatterAdd(view, maps, g);
        n.Pass(0, acc);
    }
}
