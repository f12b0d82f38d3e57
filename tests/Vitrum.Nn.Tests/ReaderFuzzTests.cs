using System.Diagnostics;
using System.IO.Compression;
using Vitrum.Nn.IO;
using Vitrum.Tensors;
using Xunit;

namespace Vitrum.Nn.Tests;

/// <summary>
/// Bounded fuzzing of the weight readers with mutated valid files: the only exception allowed out is
/// <see cref="CheckpointFormatException"/>; no crash, no hang, and no allocation beyond a small multiple
/// of the file's own size.
/// </summary>
public class ReaderFuzzTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vitrum-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static byte[] Mutate(byte[] src, Random rng)
    {
        var b = new List<byte>(src);
        int ops = rng.Next(1, 5);
        for (int o = 0; o < ops && b.Count > 0; o++)
        {
            int at = rng.Next(b.Count);
            switch (rng.Next(8))
            {
                case 0: b[at] = (byte)rng.Next(256); break;
                case 1: b[at] ^= (byte)(1 << rng.Next(8)); break;
                case 2: b.RemoveRange(at, Math.Min(b.Count - at, rng.Next(1, 16))); break;
                case 3: b.InsertRange(at, Enumerable.Range(0, rng.Next(1, 16)).Select(_ => (byte)rng.Next(256))); break;
                case 4: b.RemoveRange(at, b.Count - at); break;
                case 5: // a digit in the JSON becomes another digit: offsets and shapes shift
                    int d = b.FindIndex(at, x => x >= '0' && x <= '9');
                    if (d >= 0) b[d] = (byte)('0' + rng.Next(10));
                    break;
                case 6: // the 8-byte header length gets a random small or huge value
                    if (b.Count >= 8) { var v = rng.Next(2) == 0 ? (ulong)rng.Next(0, 4096) : (ulong)rng.NextInt64(); for (int i = 0; i < 8; i++) b[i] = (byte)(v >> (8 * i)); }
                    break;
                default: // a chunk repeats
                    int len = Math.Min(b.Count - at, rng.Next(1, 32));
                    b.InsertRange(rng.Next(b.Count), b.GetRange(at, len));
                    break;
            }
        }
        return b.ToArray();
    }

    /// <summary>Runs <paramref name="read"/> on a mutated file and checks the outcome.</summary>
    private void Attempt(byte[] bytes, int index, Action<string> read)
    {
        var p = Path.Combine(_dir, $"case{index % 8}.bin");
        File.WriteAllBytes(p, bytes);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var sw = Stopwatch.StartNew();
        try { read(p); }
        catch (CheckpointFormatException) { }
        catch (Exception e) { Assert.Fail($"case {index}: {e.GetType().Name}: {e.Message}"); }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(sw.ElapsedMilliseconds < 1000, $"case {index} took {sw.ElapsedMilliseconds} ms");
        Assert.True(allocated <= 8L * bytes.Length + (1 << 20), $"case {index}: allocated {allocated} bytes for a file of {bytes.Length}");
    }

    private static void ReadAllSafetensors(string path)
    {
        using var f = SafetensorsFile.Open(path);
        foreach (var e in f.Entries) f.Load(e.Name).Dispose();
    }

    [Fact]
    public void Ten_thousand_mutated_safetensors_files_only_raise_the_format_exception()
    {
        var seeds = new List<byte[]>();
        var p = Path.Combine(_dir, "seed.safetensors");
        SafetensorsWriter.Save(p, new Dictionary<string, Tensor>
        {
            ["blocks.0.attn.qkv.weight"] = Tensor.Randn(new Generator(1), 6, 4),
            ["ids"] = Tensor.FromLongs(new long[] { 1, 2, 3 }, 3),
            ["scalar"] = Tensor.Scalar(1f).Reshape(),
        }, new Dictionary<string, string> { ["config"] = "{\"depth\":2}" });
        seeds.Add(File.ReadAllBytes(p));
        seeds.Add(SafetensorsTests.Build(
            "{\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[4,6]},\"m\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[6,8]}}",
            new byte[] { 0, 60, 0, 188, 128, 63, 1, 0 }));
        var rng = new Random(1234);
        for (int i = 0; i < 10_000; i++) Attempt(Mutate(seeds[i % seeds.Count], rng), i, ReadAllSafetensors);
    }

    private static byte[] Rezip(byte[] zip, Func<string, byte[], byte[]> change)
    {
        using var src = new ZipArchive(new MemoryStream(zip), ZipArchiveMode.Read);
        var ms = new MemoryStream();
        using (var dst = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var e in src.Entries)
            {
                using var s = e.Open();
                var data = new MemoryStream();
                s.CopyTo(data);
                using var o = dst.CreateEntry(e.FullName, CompressionLevel.NoCompression).Open();
                o.Write(change(e.FullName, data.ToArray()));
            }
        return ms.ToArray();
    }

    [Fact]
    public void A_thousand_mutated_pth_files_only_raise_the_format_exception()
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "fixtures", "io");
        var seeds = new[] { File.ReadAllBytes(Path.Combine(dir, "state_dict.pth")), File.ReadAllBytes(Path.Combine(dir, "nested.pth")) };
        var rng = new Random(4321);
        for (int i = 0; i < 1_000; i++)
        {
            var seed = seeds[i % seeds.Length];
            // Half the cases mutate the zip bytes, half mutate the pickle or a storage inside a valid zip.
            var bytes = i % 2 == 0 ? Mutate(seed, rng) : Rezip(seed, (name, data) => rng.Next(3) > 0 && (name.EndsWith("data.pkl") || name.Contains("/data/")) ? Mutate(data, rng) : data);
            Attempt(bytes, i, path => PthFile.Load(path));
        }
    }
}
