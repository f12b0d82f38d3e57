using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Vitrum.Tensors.Kernels;

/// <summary>Instruction-set levels a kernel can run at.</summary>
public enum SimdLevel
{
    Scalar,
    Avx2,
    Avx512,
}

/// <summary>
/// The vector width every kernel uses, chosen once from the hardware. Tests and benchmarks may lower
/// it (never raise it above what the CPU has) to exercise and compare the fallback paths.
/// </summary>
public static class Simd
{
    // Avx512F.IsSupported rather than Vector512.IsHardwareAccelerated: the runtime reports the latter
    // as false on Intel parts where it fears frequency throttling, yet on this machine's Skylake-SP a
    // zmm FMA loop measures ~1.8x the ymm one, so the wider kernels are used whenever the ISA exists.
    public static readonly SimdLevel Detected =
        Avx512F.IsSupported && Fma.IsSupported ? SimdLevel.Avx512
        : Avx2.IsSupported && Fma.IsSupported ? SimdLevel.Avx2
        : SimdLevel.Scalar;

    private static SimdLevel _level = Detected;

    public static SimdLevel Level
    {
        get => _level;
        set
        {
            if (value > Detected) throw new ArgumentException($"Simd.Level: {value} is not supported by this CPU (best: {Detected})");
            _level = value;
        }
    }
}
