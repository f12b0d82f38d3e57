using Vitrum.Tensors;

namespace Vitrum.Nn;

/// <summary>
/// Stochastic depth (Huang et al. 2016) as timm's DropPath: in training, each sample's residual branch is
/// dropped with probability p and the kept ones scaled by 1/(1-p); identity in eval mode or when p = 0.
/// </summary>
public sealed class DropPath : Module<Tensor, Tensor>
{
    private readonly Generator _gen;
    public double P { get; }

    protected internal override Generator RandomSource => _gen;

    public DropPath(double p, Generator? gen = null)
    {
        if (p is < 0 or > 1) throw new ArgumentException($"DropPath: probability must be in [0, 1], got {p}");
        P = p;
        _gen = gen ?? new Generator(0);
    }

    /// <summary>True when <see cref="Forward"/> returns its input (eval mode, or p = 0).</summary>
    public bool IsIdentity => P == 0 || !Training;

    /// <param name="input">[B, ...]</param>
    public override Tensor Forward(Tensor input)
    {
        if (IsIdentity) return input;
        var shape = new int[input.Rank];
        Array.Fill(shape, 1);
        shape[0] = input.Shape[0];
        var mask = Tensor.Empty(shape);
        var m = mask.AsSpan();
        float keep = (float)(1 - P);
        for (int i = 0; i < m.Length; i++) m[i] = _gen.NextDouble() < keep ? 1f / keep : 0f;
        return Ops.Mul(input, mask);
    }
}
