using System.Buffers.Binary;

namespace Vitrum.Data.Readers;

/// <summary>
/// The IDX format of the MNIST files: a magic (two zero bytes, type code 0x08 = unsigned byte, rank),
/// big-endian 32-bit dimensions, then the data. Dimensions are checked against the file's length
/// before anything is allocated.
/// </summary>
public static class IdxReader
{
    public static (int[] Shape, byte[] Data) Read(string path)
    {
        var name = Path.GetFileName(path);
        using var fs = File.OpenRead(path);
        Span<byte> head = stackalloc byte[4];
        if (fs.Read(head) != 4) throw new DataFormatException(name, "file is shorter than the 4-byte IDX magic");
        if (head[0] != 0 || head[1] != 0) throw new DataFormatException(name, "not an IDX file (magic must start with two zero bytes)");
        if (head[2] != 0x08) throw new DataFormatException(name, $"IDX element type 0x{head[2]:x2} is not supported (expected 0x08, unsigned byte)");
        int rank = head[3];
        if (rank is < 1 or > 4) throw new DataFormatException(name, $"IDX rank {rank} is not in [1, 4]");
        var dims = new byte[4 * rank];
        if (fs.Read(dims) != dims.Length) throw new DataFormatException(name, "file ends inside the IDX dimensions");
        var shape = new int[rank];
        long n = 1;
        for (int i = 0; i < rank; i++)
        {
            uint d = BinaryPrimitives.ReadUInt32BigEndian(dims.AsSpan(4 * i));
            if (d > int.MaxValue) throw new DataFormatException(name, $"IDX dimension {i} is {d}, too large");
            shape[i] = (int)d;
            n *= d;
        }
        long expected = 4 + dims.Length + n;
        if (fs.Length != expected)
            throw new DataFormatException(name, $"IDX shape [{string.Join(", ", shape)}] needs {expected} bytes but the file has {fs.Length}");
        var data = new byte[n];
        fs.ReadExactly(data);
        return (shape, data);
    }
}
