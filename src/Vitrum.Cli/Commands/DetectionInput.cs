using Vitrum.Data.Detection;
using Vitrum.Data.Images;
using Vitrum.Data.Transforms;
using Vitrum.Models;
using Vitrum.Models.Detr;
using Vitrum.Nn.IO;
using Vitrum.Tensors;

namespace Vitrum.Cli.Commands;

/// <summary>An image prepared for a detector: the batch of one it runs on and the resized picture before normalization.</summary>
/// <param name="Batch">[1, C, H, W], nothing padded</param>
/// <param name="Shown">the image after the resize, [C, H, W] in [0, 1] (what attention maps are drawn over)</param>
public sealed record PreparedImage(ImageBatch Batch, ImageBuffer Shown);

/// <summary>The inputs of a detector: image files prepared as DETR's val transform prepares them, or tensors from a file.</summary>
public static class DetectionInput
{
    /// <summary>Decodes every image before any is run, so a bad file stops a command before it writes anything.</summary>
    public static DecodedImage[] Decode(IReadOnlyList<string> paths)
    {
        foreach (var p in paths)
            if (!File.Exists(p)) throw new CliException($"{p}: no such image file");
        return paths.Select(ImageFile.Load).ToArray();
    }

    /// <summary>
    /// DETR's val transform: the image converted to the model's channels as PIL's convert does, the shorter side resized
    /// to the model's image size unless the longer would pass its max size (<see cref="RandomResize"/> with one size),
    /// then the mean and std of <paramref name="pre"/>.
    /// </summary>
    public static PreparedImage Prepare(DecodedImage image, PretrainedCfg cfg, Preprocess pre)
    {
        if (pre.Mean.Length != cfg.InChans)
            throw new CliException($"the preprocessing has {pre.Mean.Length} channel means but the model takes {cfg.InChans} channels", ExitCodes.Failure);
        var sample = new DetectionSample();
        image.ToColorChannels(cfg.InChans).ToBuffer(sample.Image);
        var gen = new Generator(0);
        new RandomResize(new[] { cfg.ImageSize }, cfg.MaxSize).Apply(sample, gen);
        var shown = new ImageBuffer();
        sample.Image.Data.AsSpan(0, sample.Image.Length).CopyTo(shown.Resize(sample.Image.Channels, sample.Image.Height, sample.Image.Width));
        new Vitrum.Data.Detection.Normalize(pre.Mean, pre.Std).Apply(sample, gen);
        var img = sample.Image;
        var x = Tensor.FromArray(img.Data.AsSpan(0, img.Length).ToArray(), 1, img.Channels, img.Height, img.Width);
        return new PreparedImage(new ImageBatch(x), shown);
    }

    /// <summary>
    /// The tensors <c>input</c> (Float32 [N, C, H, W], normalized) and, if present, <c>mask</c> ([N, H, W], any integer or
    /// bool type, nonzero = padding: DETR's convention) of a safetensors file.
    /// </summary>
    public static ImageBatch ReadTensors(string path, int channels)
    {
        string name = Path.GetFileName(path);
        using var f = SafetensorsFile.Open(path);
        if (!f.Contains("input")) throw new CliException($"{name} has no tensor named 'input' (expected N x {channels} x H x W)", ExitCodes.Failure);
        var x = f.Load("input");
        if (x.DType != DType.Float32 || x.Rank != 4 || x.Shape[1] != channels || x.Numel == 0)
            throw new CliException($"{name}: input is {x.DType} {ShapeUtil.Format(x.Shape)}, expected float N x {channels} x H x W", ExitCodes.Failure);
        if (!f.Contains("mask")) return new ImageBatch(x);
        var mask = f.Load("mask");
        if (mask.DType != DType.Int64 || mask.Rank != 3 || mask.Shape[0] != x.Shape[0] || mask.Shape[1] != x.Shape[2] || mask.Shape[2] != x.Shape[3])
            throw new CliException($"{name}: mask is {f.Entry("mask").DType.Name()} {ShapeUtil.Format(mask.Shape)}, expected an integer (uint8) or bool " +
                $"{x.Shape[0]} x {x.Shape[2]} x {x.Shape[3]} (N x H x W of input, 1 = padding)", ExitCodes.Failure);
        return new ImageBatch(x, mask);
    }

    /// <summary>
    /// The height and width of each image of a padded batch without its padding (DETR pads at the bottom and right):
    /// the rows and columns that hold at least one image pixel. Without a mask, the batch's.
    /// </summary>
    /// <returns>(height, width) per image, [2N]</returns>
    public static long[] UnpaddedSizes(ImageBatch batch)
    {
        int n = batch.Images.Shape[0], h = batch.Images.Shape[2], w = batch.Images.Shape[3];
        var sizes = new long[2 * n];
        var mask = batch.Mask?.Contiguous().ToLongArray();
        for (int i = 0; i < n; i++)
        {
            int rows = 0, cols = 0;
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    if (mask == null || mask[((long)i * h + y) * w + x] == 0)
                    {
                        rows = Math.Max(rows, y + 1);
                        cols = Math.Max(cols, x + 1);
                    }
            (sizes[2 * i], sizes[2 * i + 1]) = (rows, cols);
        }
        return sizes;
    }
}
