namespace Vitrum.Data.Datasets;

/// <summary>Grey or colour images as bytes [N, C, H, W] with integer labels and class names.</summary>
public sealed record ImageClassificationData(byte[] Pixels, int Count, int Channels, int Height, int Width, int[] Labels, string[] Classes)
{
    public int ImageBytes => Channels * Height * Width;

    public ReadOnlySpan<byte> Image(int i) => Pixels.AsSpan(i * ImageBytes, ImageBytes);
}
