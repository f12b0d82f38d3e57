// Swin Transformer (Liu et al., 2021): window partition, the shifted-window mask and the relative position
// index, as timm's swin_transformer.py and torchvision 0.14's shifted_window_attention compute them.
using Vitrum.Tensors;

namespace Vitrum.Models.Swin;

/// <summary>Pure functions over square windows of a channels-last feature map.</summary>
public static class SwinWindows
{
    /// <summary>The additive score of a key in another region of a shifted window (timm and torchvision), not -inf: exp(-100) vanishes in float32.</summary>
    public const float MaskedScore = -100f;

    /// <summary>Cuts [B, H, W, C] (H and W multiples of the window) into windows, row-major within the image and within each window.</summary>
    /// <param name="x">[B, H, W, C]</param>
    /// <returns>[B * (H/w) * (W/w), w*w, C]</returns>
    public static Tensor Partition(Tensor x, int window)
    {
        int b = x.Shape[0], h = x.Shape[1], w = x.Shape[2], c = x.Shape[3];
        if (h % window != 0 || w % window != 0)
            throw new ArgumentException($"SwinWindows.Partition: map {ShapeUtil.Format(x.Shape)} is not a multiple of the window {window}");
        return x.Reshape(b, h / window, window, w / window, window, c).Permute(0, 1, 3, 2, 4, 5)
            .Reshape(b * (h / window) * (w / window), window * window, c);
    }

    /// <summary>The inverse of <see cref="Partition"/>.</summary>
    /// <param name="windows">[B * (H/w) * (W/w), w*w, C]</param>
    /// <returns>[B, H, W, C]</returns>
    public static Tensor Reverse(Tensor windows, int window, int height, int width)
    {
        int nh = height / window, nw = width / window, c = windows.Shape[2];
        int b = windows.Shape[0] / (nh * nw);
        return windows.Reshape(b, nh, nw, window, window, c).Permute(0, 1, 3, 2, 4, 5).Reshape(b, height, width, c);
    }

    /// <summary>
    /// timm's relative position index of a w x w window: for tokens i = (hi, wi) and j = (hj, wj) (row-major),
    /// (hi - hj + w - 1) * (2w - 1) + (wi - wj + w - 1), a row of the [(2w-1)^2, heads] bias table.
    /// </summary>
    /// <returns>[w*w, w*w] int64</returns>
    public static Tensor RelativePositionIndex(int window)
    {
        int n = window * window, span = 2 * window - 1;
        var index = new long[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                index[i * n + j] = (i / window - j / window + window - 1) * span + (i % window - j % window + window - 1);
        return Tensor.FromLongs(index, n, n);
    }

    /// <summary>
    /// The attention mask of shifted windows over a padded <paramref name="height"/> x <paramref name="width"/> map
    /// rolled up and left by the shifts: the map is cut into three bands per axis ([0, size - w), [size - w,
    /// size - shift), [size - shift, size); a zero shift leaves one band), each token labelled by its band pair,
    /// and a query may attend only keys with its own label, since the others were rolled in from the far side.
    /// </summary>
    /// <returns>[nW, w*w, w*w] holding 0 or <see cref="MaskedScore"/>, windows in <see cref="Partition"/>'s order</returns>
    public static Tensor ShiftMask(int height, int width, int window, int shiftH, int shiftW)
    {
        if (height % window != 0 || width % window != 0)
            throw new ArgumentException($"SwinWindows.ShiftMask: map {height}x{width} is not a multiple of the window {window}");
        int nh = height / window, nw = width / window, n = window * window;
        var labels = new int[nh * nw * n];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int win = y / window * nw + x / window, token = y % window * window + x % window;
                labels[win * n + token] = Band(y, height, window, shiftH) * 3 + Band(x, width, window, shiftW);
            }
        var mask = new float[nh * nw * n * n];
        for (int win = 0; win < nh * nw; win++)
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                    mask[(win * n + i) * n + j] = labels[win * n + i] == labels[win * n + j] ? 0f : MaskedScore;
        return Tensor.FromArray(mask, nh * nw, n, n);
    }

    private static int Band(int pos, int size, int window, int shift) =>
        shift == 0 ? 0 : pos < size - window ? 0 : pos < size - shift ? 1 : 2;
}
