// The output layer of the Transformer (Vaswani et al., 2017, section 3.4), optionally tied to the target embedding
// (Press and Wolf, 2017, "Using the Output Embedding to Improve Language Models").
using Vitrum.Nn;
using Vitrum.Tensors;

namespace Vitrum.Models.Transformer;

/// <summary>
/// The "generator" of the Annotated Transformer: logits = x W^T + b over the target vocabulary (keys
/// <c>weight</c> [V, E], <c>bias</c> [V]). Tied (Press and Wolf, 2017), W is the target embedding table and
/// only <c>bias</c> is a parameter of its own.
/// </summary>
public sealed class OutputProjection : Module
{
    public Tensor Weight { get; }
    public Tensor Bias { get; }
    public bool Tied { get; }

    /// <param name="tiedWeight">the [V, E] embedding table to reuse, or null for a weight of its own</param>
    public OutputProjection(int dModel, int vocab, Tensor? tiedWeight, Generator gen)
    {
        Tied = tiedWeight != null;
        var own = new Linear(dModel, vocab, gen: gen);
        Weight = tiedWeight ?? RegisterParameter("weight", own.Weight);
        Bias = RegisterParameter("bias", own.Bias!);
    }

    /// <param name="x">[..., E]</param>
    /// <returns>[..., V]</returns>
    public Tensor Forward(Tensor x) => Ops.Linear(x, Weight, Bias);
}
