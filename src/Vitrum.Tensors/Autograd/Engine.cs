using Vitrum.Tensors.Kernels;
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
        if (ProfileHooks.Op is { } profile && !_inBackward)
        {
            // Ops record after computing, so the time since the previous record is this op's forward.
            double now = ProfileHooks.Clock();
            profile("forward " + op, now - _lastRecord);
            _lastRecord = now;
        }
        if (!ShouldRecord(inputs)) return null;
        var node = new Node(op, inputs, fn);
        result.GradFn = node;
        result.SetRequiresGradFromGraph();
        return node;
    }

    // The last recorded op's end on the profile's clock, and whether a backward walk runs (its rules' ops are not forward ops).
    [ThreadStatic] private static double _lastRecord;
    [ThreadStatic] private static bool _inBackward;

    /// <summary>Starts the forward split of a profile: the next recorded op is timed from now.</summary>
    internal static void ProfileMark() => _lastRecord = ProfileHooks.Clock();

    /// <summary>
    /// Walks the tape from <paramref name="root"/>. Memory: each rule runs in its own
    /// <see cref="TensorScope"/>, so its temporaries go back to the pool as soon as it returns, and a
    /// consumed gradient is released right after its node ran; gradients waiting for their node are held
    /// by engine-owned tensor objects (one reference each on the storage), so a storage referenced by
    /// nothing else can be accumulated into in place and handed to a leaf's Grad without a copy.
    /// <paramref name="leafReady"/>, when given, is called with each leaf as soon as its gradient is complete: after the
    /// last node that takes the leaf as an input ran (data-parallel training starts summing it across processes then,
    /// while the rest of the walk still computes).
    /// </summary>
    public static void Backward(Tensor root, Tensor? grad, Action<Tensor>? leafReady = null)
    {
        if (!root.RequiresGrad)
            throw new InvalidOperationException($"Backward: tensor of shape {ShapeUtil.Format(root.Shape)} does not require grad");
        if (grad != null && !ShapeUtil.SameShape(grad.Shape, root.Shape))
            throw new ArgumentException($"Backward: gradient of shape {ShapeUtil.Format(grad.Shape)} for output of shape {ShapeUtil.Format(root.Shape)}");
        if (grad == null && root.Numel != 1)
            throw new InvalidOperationException($"Backward: a gradient is needed for a non-scalar output of shape {ShapeUtil.Format(root.Shape)}");

        var order = TopologicalOrder(root);
        var leafUses = leafReady == null ? null : LeafUses(order);
        using var _ = GradMode.NoGrad();
        using (TensorScope.Suppress())
        {
            // The seed is the engine's own object: a caller's gradient gets a second reference, so it is never written to or handed out.
            var seed = grad == null ? Tensor.Full(root.Shape, 1f) : grad.Alias();
            Accumulate(root, seed);
            seed.Dispose();
        }
        try
        {
            for (int i = order.Count - 1; i >= 0; i--)
            {
                var t = order[i];
                var g = t.PendingGrad;
                t.PendingGrad = null;
                if (g == null)
                {
                    if (leafUses != null) ReleaseLeaves(t.GradFn!, leafUses, leafReady!);
                    continue;
                }
                if (t.GradFn != null)
                {
                    var profile = ProfileHooks.Op;
                    double start = profile == null ? 0 : ProfileHooks.Clock();
                    bool outer = _inBackward;
                    _inBackward = true;
                    try
                    {
                        using (new TensorScope()) t.GradFn.Backward(t.GradFn, g);
                    }
                    finally { _inBackward = outer; }
                    profile?.Invoke("backward " + t.GradFn.Op, ProfileHooks.Clock() - start);
                    if (leafUses != null) ReleaseLeaves(t.GradFn, leafUses, leafReady!);
                }
                g.Dispose();
            }
        }
        finally
        {
            // After a failed rule, the gradients still waiting are dropped with their buffers.
            foreach (var t in order)
            {
                t.PendingGrad?.Dispose();
                t.PendingGrad = null;
            }
        }
    }

    /// <summary>How many inputs of the nodes in <paramref name="order"/> are each leaf that needs a gradient.</summary>
    private static Dictionary<Tensor, int> LeafUses(List<Tensor> order)
    {
        var uses = new Dictionary<Tensor, int>(ReferenceEqualityComparer.Instance);
        foreach (var t in order)
            foreach (var input in t.GradFn!.Inputs)
                if (input.IsLeaf && input.RequiresGrad) uses[input] = uses.GetValueOrDefault(input) + 1;
        return uses;
    }

    /// <summary>Counts down the leaf inputs of a node that ran (or had no gradient to pass); a leaf at zero has its whole gradient.</summary>
    private static void ReleaseLeaves(Node node, Dictionary<Tensor, int> uses, Action<Tensor> leafReady)
    {
        foreach (var input in node.Inputs)
        {
            if (!input.IsLeaf || !input.RequiresGrad || !uses.TryGetValue(input, out int left)) continue;
            if (left > 1) uses[input] = left - 1;
            else
            {
                uses.Remove(input);
                leafReady(input);
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

    /// <summary>Adds <paramref name="grad"/> (same shape as <paramref name="target"/>) to the target's gradient.</summary>
    public static void Accumulate(Tensor target, Tensor grad)
    {
        using var _ = TensorScope.Suppress();
        if (target.IsLeaf)
        {
            // A leaf keeps the rule's own buffer when nothing else refers to it; otherwise a copy.
            if (target.Grad == null) target.Grad = grad.IsContiguous && grad.HoldsStorageAlone ? grad.Alias() : grad.Clone();
            else AddInto(target.Grad, grad, g => target.Grad = g);
            return;
        }
        if (target.PendingGrad == null) target.PendingGrad = grad.Alias();
        else AddInto(target.PendingGrad, grad, g => target.PendingGrad = g);
    }

    /// <summary>acc += grad, in place when acc's buffer is acc's alone; otherwise <paramref name="replace"/> gets a new sum and acc is released.</summary>
    private static void AddInto(Tensor acc, Tensor grad, Action<Tensor> replace)
    {
        if (acc.HoldsStorageAlone && acc.HasDenseLayout)
        {
            AddIntoView(acc, grad);
            return;
        }
        replace(Ops.Add(acc, grad));
        acc.Dispose();
    }

    /// <summary>
    /// Adds <paramref name="grad"/> to the slice [start, start + length) along <paramref name="dim"/> of the
    /// target's gradient (the adjoint of Narrow). Slices of one tensor (q, k, v cut from one qkv projection)
    /// then fill one buffer, laid out like the target so that the views above it need no copies either.
    /// </summary>
    public static void AccumulateNarrow(Tensor target, int dim, int start, Tensor grad)
    {
        using var _ = TensorScope.Suppress();
        var acc = target.IsLeaf ? null : target.PendingGrad;
        if (acc == null || !acc.HoldsStorageAlone || !acc.HasDenseLayout)
        {
            var fresh = Tensor.EmptyWithLayoutOf(target);
            fresh.Storage.Clear();
            if (acc != null)
            {
                MapCopy.ScatterAdd(fresh, null, acc);
                acc.Dispose();
            }
            acc = fresh;
        }
        using (var slice = acc.ViewOf(SliceShape(acc.Shape, dim, grad.Shape[dim]), acc.Strides, acc.Offset + start * acc.Strides[dim]))
            AddIntoView(slice, grad);
        if (!target.IsLeaf)
        {
            target.PendingGrad = acc;
            return;
        }
        Accumulate(target, acc);
        acc.Dispose();
    }

    /// <summary>view += grad (same shape): the vectorized binary kernel when the view's innermost stride is 1, else the strided scatter-add.</summary>
    private static void AddIntoView(Tensor view, Tensor grad)
    {
        if (view.Rank > 0 && view.Strides[^1] == 1 && view.Shape[^1] > 1) Ops.Map2Into<AddOp>(view, grad, view);
        else MapCopy.ScatterAdd(view, null, grad);
    }

    private static int[] SliceShape(int[] shape, int dim, int length)
    {
        var s = (int[])shape.Clone();
        s[dim] = length;
        return s;
    }
}
