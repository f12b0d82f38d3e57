namespace Vitrum.Data.Datasets;

/// <summary>Grey or colour images as bytes [N, C, H, W] with integer labels and class names.</summary>
public sealed record ImageClassificationData(byte[] Pixels, int Count, int Channels, int Height, int Width, int[] Labels, string[] Classes)
{
    public int ImageBytes => Channels * Height * Width;

    public ReadOnlySpan<byte> Image(int i) => Pixels.AsSpan(i * ImageBytes, ImageBytes);

    /// <summary>A copy holding the images at <paramref name="indices"/>, in that order, with the same classes.</summary>
    public ImageClassificationData Select(IReadOnlyList<int> indices)
    {
        var pixels = new byte[(long)indices.Count * ImageBytes];
        var labels = new int[indices.Count];
        for (int i = 0; i < indices.Count; i++)
        {
            Image(indices[i]).CopyTo(pixels.AsSpan(i * ImageBytes, ImageBytes));
            labels[i] = Labels[indices[i]];
        }
        return this with { Pixels = pixels, Count = indices.Count, Labels = labels };
    }
}
