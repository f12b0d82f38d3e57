using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Vitrum.Tensors.Kernels;

namespace Vitrum.Tensors;

/// <summary>
/// A linear layer's weight W [out, in] packed once, as ONNX Runtime packs its weights when a session starts: B = W^T
/// laid out as the GEMM's B panels (Nr columns each, zero-padded), depth slice after depth slice, so a forward pass
/// reads the panels the micro-kernel wants instead of transposing W into them on every call (at batch 1, M = 197, that
/// packing is a sizeable share of each product). A snapshot: it does not follow later changes of W.
/// Layout: the slice starting at depth pc (every slice but the last <see cref="SliceDepth"/> deep) begins at float
/// pc * <see cref="PaddedOut"/>; within it, the panel of columns [j, j + Nr) begins at j * kc, element (p, r) at p * Nr + r.
/// </summary>
public sealed unsafe class PackedWeight
{
    private readonly float[] _data;
    private readonly int _offset;

    /// <summary>Output features (columns of B).</summary>
    public int Out { get; }

    /// <summary>Input features (depth of the product).</summary>
    public int In { get; }

    /// <summary>The kernel level the panels were laid out for; another level cannot use them.</summary>
    public SimdLevel Level { get; }

    internal int Nr { get; }
    internal int SliceDepth { get; }
    internal int PaddedOut { get; }

    /// <summary>The panels (pinned, 64-byte aligned).</summary>
    internal float* Ptr => (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_data)) + _offset;

    /// <summary>Bytes held.</summary>
    public long Bytes => (long)_data.Length * sizeof(float);

    private PackedWeight(int outF, int inF, SimdLevel level, int nr)
    {
        (Out, In, Level, Nr) = (outF, inF, level, nr);
        SliceDepth = GemmDriver.SliceDepth(inF);
        PaddedOut = GemmDriver.RoundUp(outF, nr);
        long floats = (long)PaddedOut * inF;
        if (floats + 16 > Array.MaxLength) throw new ArgumentException($"PackedWeight: [{outF}, {inF}] is too large to pack");
        _data = GC.AllocateUninitializedArray<float>((int)floats + 16, pinned: true);
        long address = (long)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_data));
        _offset = (int)((64 - address % 64) % 64 / sizeof(float));
    }

    /// <summary>True when the current <see cref="Simd.Level"/> runs a kernel these panels were laid out for.</summary>
    public bool Usable => Simd.Level == Level && Level != SimdLevel.Scalar;

    /// <summary>Packs <paramref name="weight"/> [out, in] for the current <see cref="Simd.Level"/>.</summary>
    /// <exception cref="ArgumentException">the weight is not a 2-D float tensor, or is empty</exception>
    public static PackedWeight Pack(Tensor weight)
    {
        if (weight.DType != DType.Float32 || weight.Rank != 2 || weight.Shape[0] == 0 || weight.Shape[1] == 0)
            throw new ArgumentException($"PackedWeight.Pack: weight {weight.DType} {ShapeUtil.Format(weight.Shape)} is not a non-empty float [out, in] matrix");
        var level = Simd.Level;
        int nr = level switch
        {
            SimdLevel.Avx512 => GemmKernel512.Nr,
            SimdLevel.Avx2 => GemmKernel256.Nr,
            _ => GemmKernelScalar.Nr,
        };
        int outF = weight.Shape[0], inF = weight.Shape[1];
        var packed = new PackedWeight(outF, inF, level, nr);
        float* w = weight.Ptr, dst = packed.Ptr;
        long rs = weight.Strides[0], cs = weight.Strides[1];
        // B(p, j) = W(j, p): B's row stride is W's column stride and the other way round.
        for (int pc = 0; pc < inF; pc += packed.SliceDepth)
        {
            int kc = Math.Min(packed.SliceDepth, inF - pc);
            GemmPack.PackB(outF, kc, w + pc * cs, cs, rs, dst + (long)pc * packed.PaddedOut, nr);
        }
        return packed;
    }
}
