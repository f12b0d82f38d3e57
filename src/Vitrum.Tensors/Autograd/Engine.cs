using Vitrum.Tensors.Memory;

namespace Vitrum.Tensors.Autograd;

/// <summary>Reverse-mode autodiff: records nodes during the forward pass and walks them backwards.</summary>
internal static class Engine
{
    /// <summary>True when an op over these inputs must record a node.</summary>
    public static bool ShouldRecord(Tensor a) => GradMode.IsEnabled && a.RequiresGrad;
    public static bool ShouldRecord(Tensor a, Tensor b) => GradMode.IsEnabled && (a.RequiresGrad || b.RequiresGrad);

    public static bool ShouldRecord(Tensor[] inputs)
    {
        if (!GradMode.IsEnabled) return false;
        foreach (var t in inputs) if (t.RequiresGrad) return true;
        return false;
    }

    /// <summary>Attaches a node to <paramref name="result"/> when any input requires a gradient; returns it (or null).</summary>
    public static Node? Record(Tensor result, string op, BackwardFn fn, params Tensor[] inputs)
    {
        if (!ShouldRecord(inputs)) return null;
        var node = new Node(op, inputs, fn);
        result.GradFn = node;
        result.SetRequiresGradFromGraph();
        return node;
    }

    /// <summary>When set, receives each node's op name and backward time by <see cref="ProfileClock"/> (benchmarks' per-op split).</summary>
    internal static Action<string, double>? Profile;

    /// <summary>The clock of <see cref="Profile"/> in ms (wall time unless a benchmark sets a CPU-time clock).</summary>
    internal static Func<double> ProfileClock = () => System.Diagnostics.Stopwatch.GetTimestamp() * 1000.0 / System.Diagnostics.Stopwatch.Frequency;

    public static void Backward(Tensor root, Tensor? grad)
    {
        if (!root.RequiresGrad)
            throw new InvalidOperationException($"Backward: tensor of shape {ShapeUtil.Format(root.Shape)} does not require grad");
        if (grad == null)
        {
            if (root.Numel != 1)
                throw new InvalidOperationException($"Backward: a gradient is needed for a non-scalar output of shape {ShapeUtil.Format(root.Shape)}");
            grad = Tensor.Full(root.Shape, 1f);
        }
        else if (!ShapeUtil.SameShape(grad.Shape, root.Shape))
            throw new ArgumentException($"Backward: gradient of shape {ShapeUtil.Format(grad.Shape)} for output of shape {ShapeUtil.Format(root.Shape)}");

        var order = TopologicalOrder(root);
        using var _ = GradMode.NoGrad();
        Accumulate(root, grad);
        for (int i = order.Count - 1; i >= 0; i--)
        {
            var t = order[i];
            var g = t.PendingGrad;
            t.PendingGrad = null;
            if (g == null || t.GradFn == null) continue;
            if (Profile == null) t.GradFn.Backward(t.GradFn, g);
            else
            {
                double start = ProfileClock();
                t.GradFn.Backward(t.GradFn, g);
                Profile(t.GradFn.Op, ProfileClock() - start);
            }
        }
    }

    /// <summary>Non-leaf tensors that lead to <paramref name="root"/>, inputs before outputs.</summary>
    private static List<Tensor> TopologicalOrder(Tensor root)
    {
        var order = new List<Tensor>();
        var visited = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(Tensor t, int next)>();
        stack.Push((root, 0));
        visited.Add(root);
        while (stack.Count > 0)
        {
            var (t, next) = stack.Pop();
            var inputs = t.GradFn?.Inputs;
            if (inputs != null && next < inputs.Length)
            {
                stack.Push((t, next + 1));
                var child = inputs[next];
                if (child.RequiresGrad && child.GradFn != null && visited.Add(child)) stack.Push((child, 0));
                continue;
            }
            if (t.GradFn != null) order.Add(t);
        }
        return order;
    }

    public static void Accumulate(Tensor target, Tensor grad)
    {
        if (target.IsLeaf)
        {
            using (TensorScope.Suppress())
            {
                // A strided gradient is copied once by Contiguous(); a contiguous one may be shared, so clone it.
                if (target.Grad == null) target.Grad = grad.IsContiguous ? grad.Clone() : grad.Contiguous();
                else Ops.AddInPlace(target.Grad, grad);
            }
            return;
        }
        target.PendingGrad = target.PendingGrad == null ? grad : Ops.Add(target.PendingGrad, grad);
    }
}
