using ScottPlot;
using SkiaSharp;

namespace Vitrum.Training;

/// <summary>
/// The font of the training charts: DejaVu Sans, embedded in this assembly. Skia's Linux build without
/// dependencies only finds fonts under /usr/share/fonts, and a machine without any (a slim container)
/// would get charts without a single letter; the embedded font also makes every machine draw the same chart.
/// </summary>
internal sealed class ChartFont : IFontResolver
{
    /// <summary>The name the charts ask ScottPlot for; no system font has it, so only this resolver answers.</summary>
    public const string Name = "Vitrum DejaVu Sans";

    private static readonly Lazy<SKTypeface> Typeface = new(Load);
    private static readonly object RegisterLock = new();
    private static bool _registered;

    /// <summary>Adds the resolver to ScottPlot's list once per process (the list is global).</summary>
    public static void Register()
    {
        lock (RegisterLock)
        {
            if (_registered) return;
            Fonts.FontResolvers.Insert(0, new ChartFont());
            _registered = true;
        }
    }

    /// <summary>The embedded typeface; every weight and slant maps to it (ScottPlot draws titles bold, here they are only larger).</summary>
    public static SKTypeface EmbeddedTypeface => Typeface.Value;

    public SKTypeface? CreateTypeface(string fontName, FontWeight weight, FontSlant slant, FontSpacing spacing) =>
        fontName == Name ? Typeface.Value : null;

    public SKTypeface? CreateTypeface(string fontName, bool bold, bool italic) =>
        fontName == Name ? Typeface.Value : null;

    private static SKTypeface Load()
    {
        const string resource = "Vitrum.Training.Fonts.DejaVuSans.ttf";
        using var stream = typeof(ChartFont).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"the assembly lacks its embedded chart font {resource}");
        using var data = SKData.Create(stream);
        return SKTypeface.FromData(data) ?? throw new InvalidOperationException($"Skia cannot read the embedded chart font {resource}");
    }
}
