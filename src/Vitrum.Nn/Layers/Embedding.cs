using Vitrum.Tensors;

namespace Vitrum.Nn;

/// <summary>torch.nn.Embedding: rows of <c>weight</c> [num, dim] looked up by int64 ids; N(0, 1) init, padding row zeroed.</summary>
public sealed class Embedding : Module<Tensor, Tensor>
{
    public Tensor Weight { get; }
    public int? PaddingIdx { get; }

    public Embedding(int numEmbeddings, int embeddingDim, int? paddingIdx = null, Generator? gen = null)
    {
        if (numEmbeddings <= 0 || embeddingDim <= 0) throw new ArgumentException($"Embedding: sizes must be positive, got {numEmbeddings} x {embeddingDim}");
        if (paddingIdx is int p && (p >= numEmbeddings || p < -numEmbeddings))
            throw new ArgumentException($"Embedding: padding index {p} outside [{-numEmbeddings}, {numEmbeddings})");
        PaddingIdx = paddingIdx is int q && q < 0 ? q + numEmbeddings : paddingIdx;
        Weight = RegisterParameter("weight", Init.Normal(NewTensor(numEmbeddings, embeddingDim), 0, 1, gen ?? new Generator(0)));
        if (PaddingIdx is int pad) Weight.AsSpan().Slice(pad * embeddingDim, embeddingDim).Clear();
    }

    /// <param name="input">int64 ids [...]</param>
    /// <returns>[..., dim]</returns>
    public override Tensor Forward(Tensor input) => Ops.Embedding(Weight, input, PaddingIdx);
}
