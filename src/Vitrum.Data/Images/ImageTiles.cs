namespace Vitrum.Data.Images;

/// <summary>Pictures set side by side in one, for figures of several panels (one attention map per query).</summary>
public static class ImageTiles
{
    /// <summary>The panels left to right, top-aligned, <paramref name="gap"/> white pixels apart, on white.</summary>
    /// <param name="panels">RGB pictures (3 channels)</param>
    /// <exception cref="ArgumentException">no panel, or one that is not RGB</exception>
    public static DecodedImage Row(IReadOnlyList<DecodedImage> panels, int gap = 8)
    {
        if (panels.Count == 0) throw new ArgumentException("ImageTiles.Row: no panels");
        if (panels.FirstOrDefault(p => p.Channels != 3) is { } bad) throw new ArgumentException($"ImageTiles.Row: a panel of {bad.Channels} channels (expected RGB)");
        int w = panels.Sum(p => p.Width) + gap * (panels.Count - 1), h = panels.Max(p => p.Height);
        var px = new byte[w * h * 3];
        Array.Fill(px, (byte)255);
        int left = 0;
        foreach (var p in panels)
        {
            for (int y = 0; y < p.Height; y++)
                p.Pixels.AsSpan(y * p.Width * 3, p.Width * 3).CopyTo(px.AsSpan((y * w + left) * 3));
            left += p.Width + gap;
        }
        return new DecodedImage(w, h, 3, px);
    }
}
