using Vitrum.Tensors;

namespace Vitrum.Data.Transforms;

/// <summary>Bilinear sampling shared by the resizing transforms (torchvision's align_corners=False convention).</summary>
internal static class Sampling
{
    /// <summary>Resamples the window [y0, y0+h) x [x0, x0+w) of <paramref name="src"/> to oh x ow.</summary>
    public static void ResizeWindow(ImageBuffer src, float y0, float x0, float h, float w, ImageBuffer dst, int oh, int ow)
    {
        var d = dst.Resize(src.Channels, oh, ow);
        float sy = h / oh, sx = w / ow;
        for (int c = 0; c < src.Channels; c++)
            for (int i = 0; i < oh; i++)
            {
                float fy = Math.Clamp(y0 + (i + 0.5f) * sy - 0.5f, 0, src.Height - 1);
                int yA = (int)fy, yB = Math.Min(yA + 1, src.Height - 1);
                float wy = fy - yA;
                for (int j = 0; j < ow; j++)
                {
                    float fx = Math.Clamp(x0 + (j + 0.5f) * sx - 0.5f, 0, src.Width - 1);
                    int xA = (int)fx, xB = Math.Min(xA + 1, src.Width - 1);
                    float wx = fx - xA;
                    float top = src.At(c, yA, xA) * (1 - wx) + src.At(c, yA, xB) * wx;
                    float bot = src.At(c, yB, xA) * (1 - wx) + src.At(c, yB, xB) * wx;
                    d[(c * oh + i) * ow + j] = top * (1 - wy) + bot * wy;
                }
            }
    }

    /// <summary>
    /// Resizes the whole of <paramref name="src"/> to oh x ow. Large reductions first average k x k boxes into
    /// <paramref name="scratch"/> (k = half the whole reduction factor, when 2 or more), as PIL's reducing_gap does,
    /// so a photo shrunk 10x is not aliased by bilinear sampling of 4 pixels per output pixel.
    /// </summary>
    public static void Resize(ImageBuffer src, ImageBuffer dst, int oh, int ow, ImageBuffer scratch)
    {
        int k = Math.Min(src.Height / oh, src.Width / ow) / 2;
        if (k >= 2)
        {
            BoxReduce(src, scratch, k);
            src = scratch;
        }
        ResizeWindow(src, 0, 0, src.Height, src.Width, dst, oh, ow);
    }

    /// <summary>dst = the means of k x k boxes of src (a partial last box averages what it covers).</summary>
    private static void BoxReduce(ImageBuffer src, ImageBuffer dst, int k)
    {
        int h = (src.Height + k - 1) / k, w = (src.Width + k - 1) / k;
        var d = dst.Resize(src.Channels, h, w);
        for (int c = 0; c < src.Channels; c++)
            for (int i = 0; i < h; i++)
                for (int j = 0; j < w; j++)
                {
                    float sum = 0;
                    int n = 0;
                    for (int y = i * k; y < Math.Min(src.Height, (i + 1) * k); y++)
                        for (int x = j * k; x < Math.Min(src.Width, (j + 1) * k); x++) { sum += src.At(c, y, x); n++; }
                    d[(c * h + i) * w + j] = sum / n;
                }
    }
}

/// <summary>
/// torchvision's Resize(size) with an int: the shorter side becomes <paramref name="size"/>, the aspect ratio is
/// kept (large reductions average boxes first: <see cref="Sampling.Resize"/>).
/// </summary>
public sealed class ResizeShorter(int size) : IImageTransform
{
    private readonly ImageBuffer _reduced = new();

    public void Apply(ImageBuffer src, ImageBuffer dst, Generator gen)
    {
        int shorter = Math.Min(src.Height, src.Width);
        int oh = src.Height == shorter ? size : (int)((long)size * src.Height / shorter);
        int ow = src.Width == shorter ? size : (int)((long)size * src.Width / shorter);
        Sampling.Resize(src, dst, oh, ow, _reduced);
    }
}

/// <summary>Bilinear resize to a fixed size.</summary>
public sealed class Resize(int height, int width) : IImageTransform
{
    public void Apply(ImageBuffer src, ImageBuffer dst, Generator gen) =>
        Sampling.ResizeWindow(src, 0, 0, src.Height, src.Width, dst, height, width);
}

/// <summary>The central height x width window (zero padding where the image is smaller).</summary>
public sealed class CenterCrop(int height, int width) : IImageTransform
{
    public void Apply(ImageBuffer src, ImageBuffer dst, Generator gen) =>
        Crop.Copy(src, dst, (src.Height - height) / 2, (src.Width - width) / 2, height, width);
}

/// <summary>
/// torchvision's RandomCrop with padding: pads by <c>padding</c> zeros on each side, then takes a random
/// window of the original size (a random translation, the classic MNIST/CIFAR augmentation).
/// </summary>
public sealed class RandomCrop(int padding) : IImageTransform
{
    public void Apply(ImageBuffer src, ImageBuffer dst, Generator gen) =>
        Crop.Copy(src, dst, gen.NextInt(2 * padding + 1) - padding, gen.NextInt(2 * padding + 1) - padding, src.Height, src.Width);
}

internal static class Crop
{
    /// <summary>dst = src[top : top+h, left : left+w] with zeros outside the source.</summary>
    public static void Copy(ImageBuffer src, ImageBuffer dst, int top, int left, int h, int w)
    {
        var d = dst.Resize(src.Channels, h, w);
        d.Clear();
        for (int c = 0; c < src.Channels; c++)
            for (int i = 0; i < h; i++)
            {
                int y = top + i;
                if (y < 0 || y >= src.Height) continue;
                int x0 = Math.Max(0, left), x1 = Math.Min(src.Width, left + w);
                if (x1 <= x0) continue;
                src.Data.AsSpan((c * src.Height + y) * src.Width + x0, x1 - x0).CopyTo(d.Slice((c * h + i) * w + (x0 - left)));
            }
    }
}

/// <summary>
/// torchvision's RandomResizedCrop: a window with area in <c>scale</c> of the image and aspect ratio
/// log-uniform in <c>ratio</c> (10 tries, then the central crop clamped to the ratio range), resized to the output.
/// </summary>
public sealed class RandomResizedCrop(int height, int width, double minScale = 0.08, double maxScale = 1.0, double minRatio = 3.0 / 4, double maxRatio = 4.0 / 3) : IImageTransform
{
    public void Apply(ImageBuffer src, ImageBuffer dst, Generator gen)
    {
        double area = src.Height * src.Width;
        for (int attempt = 0; attempt < 10; attempt++)
        {
            double target = area * (minScale + (maxScale - minScale) * gen.NextDouble());
            double logR = Math.Log(minRatio) + (Math.Log(maxRatio) - Math.Log(minRatio)) * gen.NextDouble();
            double r = Math.Exp(logR);
            int w = (int)Math.Round(Math.Sqrt(target * r)), h = (int)Math.Round(Math.Sqrt(target / r));
            if (w <= 0 || h <= 0 || w > src.Width || h > src.Height) continue;
            int top = gen.NextInt(src.Height - h + 1), left = gen.NextInt(src.Width - w + 1);
            Sampling.ResizeWindow(src, top, left, h, w, dst, height, width);
            return;
        }
        double inRatio = (double)src.Width / src.Height;
        int cw = src.Width, ch = src.Height;
        if (inRatio < minRatio) ch = (int)Math.Round(cw / minRatio);
        else if (inRatio > maxRatio) cw = (int)Math.Round(ch * maxRatio);
        Sampling.ResizeWindow(src, (src.Height - ch) / 2, (src.Width - cw) / 2, ch, cw, dst, height, width);
    }
}

/// <summary>Mirrors the image left-right with probability p.</summary>
public sealed class RandomHorizontalFlip(double p = 0.5) : IImageTransform
{
    public void Apply(ImageBuffer src, ImageBuffer dst, Generator gen) => Mirror(src, dst, gen.NextDouble() < p);

    /// <summary>dst = src mirrored left-right when <paramref name="flip"/>, else a copy of it.</summary>
    internal static void Mirror(ImageBuffer src, ImageBuffer dst, bool flip)
    {
        var d = dst.Resize(src.Channels, src.Height, src.Width);
        for (int row = 0; row < src.Channels * src.Height; row++)
        {
            var s = src.Data.AsSpan(row * src.Width, src.Width);
            var o = d.Slice(row * src.Width, src.Width);
            s.CopyTo(o);
            if (flip) o.Reverse();
        }
    }
}

/// <summary>(x - mean[c]) / std[c] per channel.</summary>
public sealed class Normalize(float[] mean, float[] std) : IImageTransform
{
    public void Apply(ImageBuffer src, ImageBuffer dst, Generator gen)
    {
        if (mean.Length != src.Channels || std.Length != src.Channels)
            throw new ArgumentException($"Normalize: {mean.Length} means and {std.Length} stds for an image with {src.Channels} channels");
        var d = dst.Resize(src.Channels, src.Height, src.Width);
        int plane = src.Height * src.Width;
        for (int c = 0; c < src.Channels; c++)
            for (int i = 0; i < plane; i++) d[c * plane + i] = (src.Data[c * plane + i] - mean[c]) / std[c];
    }
}
