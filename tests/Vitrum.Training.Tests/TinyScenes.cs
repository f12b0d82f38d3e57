using Vitrum.Data.Datasets;
using Vitrum.Data.Detection;
using Vitrum.Tensors;

namespace Vitrum.Training.Tests;

/// <summary>
/// Digit scenes in miniature for detection tests, with no download: 64x64 canvases of 1-3 "digits" each drawn from
/// 28x28 glyphs whose class shows in their shape (digit d is a bar d+3 pixels wide and 20 high, so the classes differ by
/// width), written as the digit scenes' COCO folder (annotations/{train,val,test}.json, PNGs in {train,val,test}/).
/// Also a DETR small enough to train in seconds on them.
/// </summary>
public static class TinyScenes
{
    public static readonly DigitScenesOptions Options = new(CanvasSize: 64, MinDigits: 1, MaxDigits: 3, MinDigitSize: 20, MaxDigitSize: 32,
        TrainScenes: 8, ValScenes: 4, TestScenes: 6, Seed: 5);

    /// <summary>
    /// resnet_mnist's backbone (a 2x2 map at 64x64), a transformer of width 32 with one encoder and one decoder layer,
    /// 6 queries, num_classes 11 (category ids 1-10), no dropout so runs compare bit for bit.
    /// </summary>
    public const string ConfigJson = """
        {"family": "detr", "backbone": "resnet_mnist", "hidden_dim": 32, "nheads": 2, "enc_layers": 1, "dec_layers": 2,
         "dim_feedforward": 64, "dropout": 0.0, "num_queries": 6, "num_classes": 11, "img_size": 64, "max_size": 64}
        """;

    private static ImageClassificationData Glyphs(int count, ulong seed)
    {
        var g = new Generator(seed);
        var px = new byte[count * 28 * 28];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            int d = labels[i] = g.NextInt(10);
            int w = d + 3, x0 = (28 - w) / 2;
            for (int y = 4; y < 24; y++)
                for (int x = x0; x < x0 + w; x++) px[i * 784 + y * 28 + x] = (byte)(180 + g.NextInt(76));
        }
        return new ImageClassificationData(px, count, 1, 28, 28, labels, Mnist.Classes);
    }

    /// <summary>Writes the scenes into <paramref name="dir"/> and returns it.</summary>
    public static string Write(string dir)
    {
        DigitScenes.Write(dir, new DigitSources(Glyphs(60, 1), Glyphs(20, 2), Glyphs(30, 3)), Options);
        return dir;
    }
}
