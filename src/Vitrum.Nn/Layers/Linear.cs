using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;

namespace Vitrum.Nn;

/// <summary>
/// y = x W^T + b, as torch.nn.Linear (keys <c>weight</c> [out, in], <c>bias</c> [out]). For inference the weight can be
/// packed once into the GEMM's panel layout (<see cref="PackForInference"/>): a snapshot kept out of the state dict,
/// used in eval mode with gradients off, with the bias, a GELU and a residual add fused into the product's store; a
/// forward in training mode or with gradients on for the weight drops it, because training is what changes the weight
/// it was packed from. Pack again after loading or otherwise changing the weight.
/// </summary>
public sealed class Linear : Module<Tensor, Tensor>
{
    /// <summary>
    /// Inputs of fewer rows keep the unpacked path: at a handful of rows (a classifier head, one decoding step) the
    /// GEMM reads W in place as dot products, and packed panels would only feed a mostly idle micro-kernel.
    /// </summary>
    private const int MinPackedRows = 16;

    private PackedWeight? _packed;

    public Tensor Weight { get; }
    public Tensor? Bias { get; }
    public int InFeatures { get; }
    public int OutFeatures { get; }

    /// <summary>Initialized as PyTorch does: kaiming_uniform(a = sqrt(5)) weights, uniform(+-1/sqrt(in)) bias.</summary>
    public Linear(int inFeatures, int outFeatures, bool bias = true, Generator? gen = null)
    {
        if (inFeatures <= 0 || outFeatures <= 0) throw new ArgumentException($"Linear: features must be positive, got {inFeatures} -> {outFeatures}");
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        gen ??= new Generator(0);
        Weight = RegisterParameter("weight", Init.KaimingUniform(NewTensor(outFeatures, inFeatures), gen, Math.Sqrt(5)));
        if (bias)
        {
            double bound = 1 / Math.Sqrt(inFeatures);
            Bias = RegisterParameter("bias", Init.Uniform(NewTensor(outFeatures), -bound, bound, gen));
        }
    }

    /// <param name="input">[..., in]</param>
    /// <returns>[..., out]</returns>
    public override Tensor Forward(Tensor input) => Forward(input, false, null);

    /// <summary>residual + act(x W^T + b): fused into the product when the packed weight applies, else op after op.</summary>
    /// <param name="input">[..., in]</param>
    /// <param name="gelu">the exact GELU after the bias</param>
    /// <param name="residual">[..., out] added last, or null</param>
    /// <returns>[..., out]</returns>
    public Tensor Forward(Tensor input, bool gelu, Tensor? residual = null)
    {
        LayerChecks.LastDim("Linear", input, InFeatures);
        if (_packed != null)
        {
            // A forward that trains the weight (training mode, or gradients on for it: fine-tuning in eval mode) is
            // what makes the snapshot stale.
            if (Training || (GradMode.IsEnabled && Weight.RequiresGrad)) _packed = null;
            else if (!GradMode.IsEnabled && _packed.Usable && input.Numel / InFeatures >= MinPackedRows)
                return Ops.LinearPacked(input, _packed, Bias, gelu, residual);
        }
        var y = Ops.Linear(input, Weight, Bias);
        if (gelu) y = Ops.Gelu(y);
        return residual == null ? y : Ops.Add(residual, y);
    }

    /// <summary>True while a packed snapshot of the weight is held (<see cref="PackForInference"/>).</summary>
    public bool IsPacked => _packed != null;

    /// <summary>Bytes of the packed snapshot (0 when none is held).</summary>
    public long PackedBytes => _packed?.Bytes ?? 0;

    /// <summary>
    /// Packs the current weight for inference (call after loading weights), or with <paramref name="pack"/> false drops
    /// the packed snapshot. Without vector kernels nothing is packed.
    /// </summary>
    public void PackForInference(bool pack = true)
    {
        _packed = null;
        if (pack && Vitrum.Tensors.Kernels.Simd.Level != Vitrum.Tensors.Kernels.SimdLevel.Scalar) _packed = PackedWeight.Pack(Weight);
    }
}
