using System.Buffers.Binary;
using System.Diagnostics;
using Vitrum.Data.Images;
using Xunit;

namespace Vitrum.Data.Tests;

/// <summary>
/// Mutated PNGs either decode or raise DataFormatException: never another exception, a hang or a large
/// allocation. Half the mutations re-seal the chunk CRCs, so they reach the header, palette, zlib and
/// filter checks instead of stopping at the CRC.
/// </summary>
public class PngFuzzTests
{
    private static readonly byte[][] Seeds =
    {
        PngEncoder.Encode(PngDecoderTests.Random(PngColorType.Rgb, 8, true, 9, 7).Raster),
        PngEncoder.Encode(PngDecoderTests.Random(PngColorType.Palette, 2, false, 13, 5).Raster),
        PngEncoder.Encode(PngDecoderTests.Random(PngColorType.Grey, 16, true, 6, 6).Raster),
        PngEncoder.Encode(PngDecoderTests.Random(PngColorType.Rgba, 8, false, 16, 3).Raster),
        File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "fixtures", "images", "palette8_trns.png")),
    };

    /// <summary>Recomputes every chunk's CRC (where the chunk layout still parses).</summary>
    private static void Reseal(byte[] png)
    {
        int pos = 8;
        while (pos + 12 <= png.Length)
        {
            uint len = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos));
            if (len > png.Length - pos - 12) return;
            BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(pos + 8 + (int)len), Crc32.Compute(png.AsSpan(pos + 4, 4 + (int)len)));
            pos += 12 + (int)len;
        }
    }

    private static byte[] Mutate(byte[] seed, Random rng)
    {
        var b = seed.ToArray();
        switch (rng.Next(4))
        {
            case 0: // flip a few bytes
                for (int i = 0, n = 1 + rng.Next(4); i < n; i++) b[rng.Next(b.Length)] = (byte)rng.Next(256);
                break;
            case 1: // truncate
                b = b.AsSpan(0, rng.Next(b.Length)).ToArray();
                break;
            case 2: // header fields: size, depth, colour type, interlace
                int at = 16 + rng.Next(13);
                b[at] = (byte)rng.Next(256);
                break;
            default: // duplicate or drop a slice
                int s = rng.Next(b.Length), len = rng.Next(1, Math.Min(40, b.Length - s) + 1);
                b = rng.Next(2) == 0 ? b.Take(s).Concat(b.Skip(s).Take(len)).Concat(b.Skip(s)).ToArray() : b.Take(s).Concat(b.Skip(s + len)).ToArray();
                break;
        }
        if (rng.Next(2) == 0) Reseal(b);
        return b;
    }

    [Fact]
    public void Mutated_files_decode_or_raise_DataFormatException_without_hanging_or_allocating_hugely()
    {
        var rng = new Random(12345);
        int rejected = 0, decoded = 0;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < 4000; i++)
        {
            var file = Mutate(Seeds[i % Seeds.Length], rng);
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                PngDecoder.Decode(file, "fuzz.png");
                decoded++;
            }
            catch (DataFormatException e)
            {
                Assert.StartsWith("fuzz.png: ", e.Message);
                rejected++;
            }
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated < 16 << 20, $"mutation {i} allocated {allocated:N0} bytes");
        }
        Assert.True(clock.Elapsed.TotalSeconds < 60, $"4000 decodes took {clock.Elapsed.TotalSeconds:F0} s");
        Assert.True(rejected > 1000 && decoded > 50, $"rejected {rejected}, decoded {decoded}: the mutations should exercise both outcomes");
    }

    [Theory]
    [InlineData(100_000, 100_000)]
    [InlineData(16_000, 16_000)]
    [InlineData(1, int.MaxValue)]
    public void A_forged_huge_size_is_refused_before_allocating(int w, int h)
    {
        var png = PngEncoder.Encode(new DecodedImage(8, 8, 3, new byte[192]));
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(16), w);
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(20), h);
        Reseal(png);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<DataFormatException>(() => PngDecoder.Decode(png, "huge.png"));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
        Assert.Contains("huge.png", e.Message);
    }

    [Fact]
    public void Not_a_png_and_an_empty_file_are_refused()
    {
        Assert.Throws<DataFormatException>(() => PngDecoder.Decode(Array.Empty<byte>(), "e.png"));
        Assert.Throws<DataFormatException>(() => PngDecoder.Decode("GIF89a"u8.ToArray(), "g.png"));
    }
}
