using Vitrum.Data.Images;
using Xunit;

namespace Vitrum.Data.Tests;

/// <summary>JPEG through libturbojpeg (installed on the CI machine: Debian libturbojpeg0) against PIL's decoding of the same files.</summary>
public class JpegDecoderTests
{
    private static string Dir => Path.Combine(AppContext.BaseDirectory, "fixtures", "images");

    [Theory]
    [InlineData("rgb444.jpg")]
    [InlineData("grey.jpg")]
    public void Decodes_like_PIL_within_one_level(string name)
    {
        Assert.True(JpegDecoder.IsAvailable, "libturbojpeg.so.0 should be installed where the tests run");
        var img = ImageFile.Load(Path.Combine(Dir, name));
        var (w, h, c, px) = PngDecoderTests.ExpectedOf(name);
        Assert.Equal((w, h, c), (img.Width, img.Height, img.Channels));
        int worst = px.Zip(img.Pixels, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst <= 1, $"max difference {worst} from PIL");
    }

    [Fact]
    public void A_truncated_jpeg_raises_DataFormatException_naming_the_file()
    {
        var bytes = File.ReadAllBytes(Path.Combine(Dir, "rgb444.jpg"));
        var e = Assert.Throws<DataFormatException>(() => JpegDecoder.Decode(bytes.AsSpan(0, 40), "cut.jpg"));
        Assert.Contains("cut.jpg", e.Message);
    }

    [Fact]
    public void Files_are_told_apart_by_their_signature_not_their_extension()
    {
        var dir = Directory.CreateTempSubdirectory("vitrum-img-").FullName;
        try
        {
            var png = Path.Combine(dir, "really-a-png.jpg");
            File.WriteAllBytes(png, PngEncoder.Encode(new DecodedImage(2, 2, 1, new byte[] { 1, 2, 3, 4 })));
            Assert.Equal(new byte[] { 1, 2, 3, 4 }, ImageFile.Load(png).Pixels);
            var txt = Path.Combine(dir, "notes.png");
            File.WriteAllText(txt, "hello");
            var e = Assert.Throws<DataFormatException>(() => ImageFile.Load(txt));
            Assert.Contains("notes.png", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }
}
