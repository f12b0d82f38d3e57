using System.Buffers.Binary;
using System.Diagnostics;
using Vitrum.Data.Images;
using Xunit;

namespace Vitrum.Data.Tests;

/// <summary>
/// Mutated image files either decode or raise DataFormatException naming the file: never another exception, a
/// hang or a huge image. Half the mutations of PNGs re-seal the chunk CRCs, so they reach the header, palette,
/// zlib and filter checks instead of stopping at the CRC.
/// </summary>
public class ImageFileFuzzTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", "images", name);

    private static byte[] Png(int w, int h, int c, int seed)
    {
        var px = new byte[w * h * c];
        new Random(seed).NextBytes(px);
        return ImageFile.EncodePng(new DecodedImage(w, h, c, px));
    }

    private static readonly byte[][] Seeds =
    {
        Png(9, 7, 3, 1), Png(6, 6, 1, 2), Png(16, 3, 4, 3),
        File.ReadAllBytes(Fixture("palette8_trns.png")), File.ReadAllBytes(Fixture("rgba16_interlaced.png")),
        File.ReadAllBytes(Fixture("rgb444.jpg")), File.ReadAllBytes(Fixture("progressive.jpg")), File.ReadAllBytes(Fixture("cmyk.jpg")),
        File.ReadAllBytes(Fixture("rgb24.bmp")), File.ReadAllBytes(Fixture("two_frames.gif")), File.ReadAllBytes(Fixture("lossless.webp")),
    };

    /// <summary>The PNG chunk CRC (ISO 3309, the one zlib and gzip use), bit by bit: the fixtures are tiny.</summary>
    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint c = ~0u;
        foreach (var b in data)
        {
            c ^= b;
            for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
        }
        return ~c;
    }

    /// <summary>Recomputes every chunk's CRC of a PNG (where the chunk layout still parses).</summary>
    private static void Reseal(byte[] png)
    {
        if (png.Length < 8 || png[1] != (byte)'P') return;
        int pos = 8;
        while (pos + 12 <= png.Length)
        {
            uint len = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(pos));
            if (len > png.Length - pos - 12) return;
            BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(pos + 8 + (int)len), Crc32(png.AsSpan(pos + 4, 4 + (int)len)));
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
            case 2: // a byte of the header: sizes, depth, colour type, interlace, markers
                b[Math.Min(b.Length - 1, 12 + rng.Next(24))] = (byte)rng.Next(256);
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
    public void Mutated_files_decode_or_raise_DataFormatException_without_hanging()
    {
        var rng = new Random(12345);
        int rejected = 0, decoded = 0;
        var clock = Stopwatch.StartNew();
        var slowest = TimeSpan.Zero;
        for (int i = 0; i < 3000; i++)
        {
            var file = Mutate(Seeds[i % Seeds.Length], rng);
            var one = Stopwatch.StartNew();
            try
            {
                var img = ImageFile.Decode(file, "fuzz.img");
                Assert.True((long)img.Width * img.Height <= ImageFile.MaxPixels);
                decoded++;
            }
            catch (DataFormatException e)
            {
                Assert.StartsWith("fuzz.img: ", e.Message);
                rejected++;
            }
            if (one.Elapsed > slowest) slowest = one.Elapsed;
        }
        Assert.True(clock.Elapsed.TotalSeconds < 60, $"3000 decodes took {clock.Elapsed.TotalSeconds:F0} s (slowest {slowest.TotalSeconds:F1} s)");
        Assert.True(rejected > 500 && decoded > 50, $"rejected {rejected}, decoded {decoded}: the mutations should exercise both outcomes");
    }

    [Theory]
    [InlineData(100_000, 100_000)]
    [InlineData(16_000, 16_000)]
    [InlineData(1, int.MaxValue)]
    public void A_forged_huge_png_size_is_refused_from_the_header(int w, int h)
    {
        var png = Png(8, 8, 3, 4);
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(16), w);
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(20), h);
        Reseal(png);
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<DataFormatException>(() => ImageFile.Decode(png, "huge.png"));
        Assert.True(clock.Elapsed.TotalSeconds < 1, $"took {clock.Elapsed.TotalSeconds:F1} s");
        Assert.StartsWith("huge.png: ", e.Message);
        Assert.Contains($"{w}x{h}", e.Message);
    }

    [Fact]
    public void A_small_png_claiming_more_pixels_than_deflate_can_hold_is_refused_before_decoding()
    {
        var png = Png(8, 8, 3, 5);
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(16), 5000);
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(20), 5000);
        Reseal(png);
        var e = Assert.Throws<DataFormatException>(() => ImageFile.Decode(png, "bomb.png"));
        Assert.Contains("deflate expands at most", e.Message);
    }

    [Fact]
    public void A_forged_huge_jpeg_size_is_refused_from_the_header()
    {
        var jpg = File.ReadAllBytes(Fixture("rgb444.jpg"));
        int sof = jpg.AsSpan().IndexOf(new byte[] { 0xFF, 0xC0 });
        BinaryPrimitives.WriteUInt16BigEndian(jpg.AsSpan(sof + 5), 65000);
        BinaryPrimitives.WriteUInt16BigEndian(jpg.AsSpan(sof + 7), 65000);
        var e = Assert.Throws<DataFormatException>(() => ImageFile.Decode(jpg, "huge.jpg"));
        Assert.Equal($"huge.jpg: image size 65000x65000 is not in [1, {ImageFile.MaxPixels} pixels]", e.Message);
    }

    [Fact]
    public void An_empty_file_and_unknown_formats_are_refused()
    {
        foreach (var bytes in new[] { Array.Empty<byte>(), "GIF87"u8.ToArray(), "II*\0"u8.ToArray(), new byte[] { 0x89, (byte)'P', (byte)'N' } })
        {
            var e = Assert.Throws<DataFormatException>(() => ImageFile.Decode(bytes, "x.bin"));
            Assert.StartsWith("x.bin: ", e.Message);
        }
    }
}
