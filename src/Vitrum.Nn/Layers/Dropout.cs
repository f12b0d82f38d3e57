using Vitrum.Tensors;

namespace Vitrum.Nn;

/// <summary>torch.nn.Dropout (inverted: kept values scaled by 1/(1-p)); identity in eval mode.</summary>
public sealed class Dropout : Module<Tensor, Tensor>
{
    private readonly Generator _gen;
    public float P { get; }

    /// <summary>The source of the masks; kernels that drop inside a fused op (attention) draw from it too.</summary>
    protected internal override Generator RandomSource => _gen;

    public Dropout(float p = 0.5f, Generator? gen = null)
    {
        if (p is < 0 or > 1) throw new ArgumentException($"Dropout: probability must be in [0, 1], got {p}");
        P = p;
        _gen = gen ?? new Generator(0);
    }

    public override Tensor Forward(Tensor input) => IsIdentity ? input : Ops.Dropout(input, P, true, _gen);

    /// <summary>True when <see cref="Forward"/> returns its input (eval mode, or p = 0).</summary>
    public bool IsIdentity => P == 0 || !Training;
}
