using System.Buffers.Binary;
using System.Text;
using Vitrum.Nn.IO;
using Vitrum.Tensors;
using Xunit;

namespace Vitrum.Nn.Tests;

public class SafetensorsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vitrum-st-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    /// <summary>A file with the given header JSON and data bytes (header padded as the spec allows).</summary>
    internal static byte[] Build(string json, byte[] data)
    {
        var h = Encoding.UTF8.GetBytes(json);
        var buf = new byte[8 + h.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(buf, (ulong)h.Length);
        h.CopyTo(buf, 8);
        data.CopyTo(buf, 8 + h.Length);
        return buf;
    }

    private string Write(byte[] bytes, string name = "t.safetensors")
    {
        var p = Path.Combine(_dir, name);
        File.WriteAllBytes(p, bytes);
        return p;
    }

    [Fact]
    public void Writer_and_reader_round_trip_tensors_and_metadata_with_aligned_header()
    {
        var p = Path.Combine(_dir, "rt.safetensors");
        var w = Tensor.FromArray(new float[] { 1, -2, 3.5f, 4, 5, 6 }, 2, 3);
        var ids = Tensor.FromLongs(new long[] { 7, -8, long.MaxValue }, 3);
        var empty = Tensor.Zeros(0, 4);
        SafetensorsWriter.Save(p, new Dictionary<string, Tensor> { ["w"] = w.T, ["ids"] = ids, ["empty"] = empty },
            new Dictionary<string, string> { ["config"] = "{\"family\":\"vit\"}" });
        var bytes = File.ReadAllBytes(p);
        Assert.Equal(0UL, BinaryPrimitives.ReadUInt64LittleEndian(bytes) % 8);
        using var f = SafetensorsFile.Open(p);
        Assert.Equal(new[] { 3, 2 }, f.Entry("w").Shape);
        Assert.Equal(w.T.ToArray(), f.Load("w").ToArray());
        Assert.Equal(ids.ToLongArray(), f.Load("ids").ToLongArray());
        Assert.Equal(new[] { 0, 4 }, f.Load("empty").Shape);
        Assert.Equal("{\"family\":\"vit\"}", f.Metadata["config"]);
        Assert.Equal(StorageDType.I64, f.Entry("ids").DType);
    }

    [Fact]
    public void Half_bfloat16_double_and_integer_types_load_converted()
    {
        var data = new List<byte>();
        data.AddRange(BitConverter.GetBytes((Half)1.5f));
        data.AddRange(BitConverter.GetBytes((Half)(-0.25f)));
        data.AddRange(new byte[] { 0x80, 0x3f });             // bf16 1.0
        data.AddRange(BitConverter.GetBytes(3.25));             // f64
        data.AddRange(BitConverter.GetBytes(-5));               // i32
        data.AddRange(new byte[] { 0xff, 200, 1, 0 });          // i8 -1, u8 200, bool true, false
        var json = "{\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[4,6]}," +
                   "\"d\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[6,14]},\"i\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[14,18]}," +
                   "\"c\":{\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[18,19]},\"u\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[19,20]}," +
                   "\"m\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[20,22]}}";
        using var f = SafetensorsFile.Open(Write(Build(json, data.ToArray())));
        Assert.Equal(new[] { 1.5f, -0.25f }, f.Load("h").ToArray());
        Assert.Equal(1f, f.Load("b").Item());
        Assert.Equal(3.25f, f.Load("d").Item());
        Assert.Equal(new long[] { -5 }, f.Load("i").ToLongArray());
        Assert.Equal(new long[] { -1 }, f.Load("c").ToLongArray());
        Assert.Equal(new long[] { 200 }, f.Load("u").ToLongArray());
        Assert.Equal(new long[] { 1, 0 }, f.Load("m").ToLongArray());
    }

    [Theory]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", 16, "appears twice")]
    [InlineData("{\"a\":{\"dtype\":\"Q8\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2, "unknown dtype")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, "needs 12 bytes")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "overlap")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "hole")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4, "file holds 4")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 12, "trailing bytes")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4, "non-negative integer")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}", 4, "not valid JSON")]
    [InlineData("[1,2]", 0, "not a JSON object")]
    [InlineData("{\"__metadata__\":{\"k\":1}}", 0, "not a string")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"extra\":1}}", 4, "unexpected or repeated field")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[65536,65536],\"data_offsets\":[0,4]}}", 4, "more than 2^31")]
    public void Malformed_header_is_a_format_error_naming_the_problem(string json, int dataBytes, string problem)
    {
        var p = Write(Build(json, new byte[dataBytes]), "bad.safetensors");
        var e = Assert.Throws<CheckpointFormatException>(() => SafetensorsFile.Open(p).Dispose());
        Assert.Contains("bad.safetensors", e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void Impossible_header_length_is_rejected_before_allocating()
    {
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, ulong.MaxValue / 2);
        var p = Write(bytes);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<CheckpointFormatException>(() => SafetensorsFile.Open(p).Dispose());
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 * 1024);
        Assert.Contains("header length", e.Message);
        Assert.Throws<CheckpointFormatException>(() => SafetensorsFile.Open(Write(new byte[3], "short.safetensors")).Dispose());
    }
}
