using System.Text.Json;
using Vitrum.Data.Acquisition;

namespace Vitrum.Data.Datasets;

/// <summary>
/// Fashion-MNIST (Xiao et al. 2017) from the fashion-mnist package, which stores each class as a JSON file
/// <c>src/clothes/K.json</c> of 28x28 images (7,000 per class; class 0's file also holds two empty
/// entries, which are skipped). The package has no train/test split, so we
/// fix one: within each class, images 0-5,999 train and 6,000-6,999 test, giving 60,000 / 10,000 as the
/// original split's sizes (the images are not the original split's).
/// </summary>
public static class FashionMnist
{
    public static readonly string[] Classes = { "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot" };
    public const int TrainPerClass = 6000;
    public const int TestPerClass = 1000;
    private const int Pixels = 28 * 28;

    public static ImageClassificationData Load(bool train, Action<string>? log = null) =>
        LoadFrom(KnownPackages.FashionMnist.Fetch(log), train);

    public static ImageClassificationData LoadFrom(string packageDir, bool train)
    {
        int per = train ? TrainPerClass : TestPerClass, skip = train ? 0 : TrainPerClass;
        var pixels = new byte[10 * per * Pixels];
        var labels = new int[10 * per];
        for (int c = 0; c < 10; c++)
        {
            var file = Path.Combine(packageDir, "src", "clothes", $"{c}.json");
            int got = ReadClass(file, skip, per, pixels.AsSpan(c * per * Pixels, per * Pixels));
            if (got != per) throw new DataFormatException(Path.GetFileName(file), $"holds {skip + got} images, expected at least {TrainPerClass + TestPerClass}");
            labels.AsSpan(c * per, per).Fill(c);
        }
        return new ImageClassificationData(pixels, 10 * per, 1, 28, 28, labels, Classes);
    }

    /// <summary>Streams {"data": [[784 ints], ...]} and copies images [skip, skip + take) into <paramref name="dst"/>.</summary>
    private static int ReadClass(string file, int skip, int take, Span<byte> dst)
    {
        var name = Path.GetFileName(file);
        var reader = new Utf8JsonReader(File.ReadAllBytes(file));
        try
        {
            while (reader.Read() && !(reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("data"))) { }
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray) throw new DataFormatException(name, "expected a \"data\" array of images");
            int image = 0, copied = 0;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType != JsonTokenType.StartArray) throw new DataFormatException(name, $"image {image} is not an array");
                int px = 0;
                bool keep = image >= skip && image < skip + take;
                if (reader.Read() && reader.TokenType == JsonTokenType.EndArray) continue; // an empty entry: not an image
                if (reader.TokenType != JsonTokenType.Number) throw new DataFormatException(name, $"image {image} does not hold numbers");
                do
                {
                    if (!reader.TryGetInt32(out int v) || v is < 0 or > 255 || px >= Pixels)
                        throw new DataFormatException(name, $"image {image} pixel {px} is not a byte value in a 784-pixel image");
                    if (keep) dst[copied * Pixels + px] = (byte)v;
                    px++;
                }
                while (reader.Read() && reader.TokenType == JsonTokenType.Number);
                if (reader.TokenType != JsonTokenType.EndArray) throw new DataFormatException(name, $"image {image} holds something other than numbers");
                if (px != Pixels) throw new DataFormatException(name, $"image {image} has {px} pixels, expected {Pixels}");
                if (keep) copied++;
                image++;
            }
            return copied;
        }
        catch (JsonException e)
        {
            throw new DataFormatException(name, $"not valid JSON ({e.Message})", e);
        }
    }
}
