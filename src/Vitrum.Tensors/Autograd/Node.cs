namespace Vitrum.Tensors.Autograd;

/// <summary>Computes the gradients of a node's inputs from the gradient of its output and passes them on.</summary>
internal delegate void BackwardFn(Node node, Tensor gradOutput);

/// <summary>
/// One recorded op on the tape: its inputs, what the backward rule needs (saved tensors, integer
/// and float arguments, an opaque state) and the rule itself, which lives in <see cref="GradRules"/>.
/// </summary>
internal sealed class Node
{
    public readonly string Op;
    public readonly Tensor[] Inputs;
    public readonly BackwardFn Backward;
    public Tensor?[] Saved = Array.Empty<Tensor?>();
    public int[] Ints = Array.Empty<int>();
    public float[] Floats = Array.Empty<float>();
    public object? State;

    public Node(string op, Tensor[] inputs, BackwardFn backward)
    {
        Op = op;
        Inputs = inputs;
        Backward = backward;
    }

    public bool NeedsGrad(int i) => Inputs[i].RequiresGrad;

    /// <summary>Hands the gradient of input <paramref name="i"/> to the engine (ignored when it needs none).</summary>
    public void Pass(int i, Tensor grad)
    {
        var input = Inputs[i];
        if (!input.RequiresGrad) return;
        if (!ShapeUtil.SameShape(grad.Shape, input.Shape))
            throw new InvalidOperationException($"{Op} backward: gradient of shape {ShapeUtil.Format(grad.Shape)} for input {i} of shape {ShapeUtil.Format(input.Shape)}");
        Engine.Accumulate(input, grad);
    }
}
