namespace Vitrum.Nn.IO;

/// <summary>Element types that weight files store; all load into float32 or int64 tensors.</summary>
public enum StorageDType
{
    F64, F32, F16, BF16, I64, I32, I16, I8, U8, Bool,
}

public static class StorageDTypes
{
    public static int Size(this StorageDType d) => d switch
    {
        StorageDType.F64 or StorageDType.I64 => 8,
        StorageDType.F32 or StorageDType.I32 => 4,
        StorageDType.F16 or StorageDType.BF16 or StorageDType.I16 => 2,
        _ => 1,
    };

    public static bool IsFloat(this StorageDType d) => d is StorageDType.F64 or StorageDType.F32 or StorageDType.F16 or StorageDType.BF16;

    /// <summary>The safetensors spelling ("F32", "BOOL", ...).</summary>
    public static string Name(this StorageDType d) => d == StorageDType.Bool ? "BOOL" : d.ToString();

    public static bool TryParse(string s, out StorageDType d)
    {
        foreach (var v in Enum.GetValues<StorageDType>())
            if (v.Name() == s) { d = v; return true; }
        d = default;
        return false;
    }

    /// <summary>Decodes little-endian elements into float32.</summary>
    public static void ToFloat(StorageDType d, ReadOnlySpan<byte> src, Span<float> dst)
    {
        switch (d)
        {
            case StorageDType.F32:
                System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(src).CopyTo(dst);
                break;
            case StorageDType.F64:
                for (int i = 0; i < dst.Length; i++) dst[i] = (float)BitConverter.ToDouble(src.Slice(i * 8, 8));
                break;
            case StorageDType.F16:
                for (int i = 0; i < dst.Length; i++) dst[i] = (float)BitConverter.ToHalf(src.Slice(i * 2, 2));
                break;
            case StorageDType.BF16:
                for (int i = 0; i < dst.Length; i++) dst[i] = BitConverter.Int32BitsToSingle((src[i * 2] | (src[i * 2 + 1] << 8)) << 16);
                break;
            default:
                for (int i = 0; i < dst.Length; i++) dst[i] = ReadInteger(d, src, i);
                break;
        }
    }

    /// <summary>Decodes little-endian integer (or bool) elements into int64.</summary>
    public static void ToLong(StorageDType d, ReadOnlySpan<byte> src, Span<long> dst)
    {
        for (int i = 0; i < dst.Length; i++) dst[i] = ReadInteger(d, src, i);
    }

    private static long ReadInteger(StorageDType d, ReadOnlySpan<byte> src, int i) => d switch
    {
        StorageDType.I64 => BitConverter.ToInt64(src.Slice(i * 8, 8)),
        StorageDType.I32 => BitConverter.ToInt32(src.Slice(i * 4, 4)),
        StorageDType.I16 => BitConverter.ToInt16(src.Slice(i * 2, 2)),
        StorageDType.I8 => (sbyte)src[i],
        StorageDType.U8 => src[i],
        StorageDType.Bool => src[i] != 0 ? 1 : 0,
        _ => throw new ArgumentException($"{d} is not an integer type"),
    };
}
