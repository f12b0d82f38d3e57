using System.Globalization;
using System.Numerics;

namespace Vitrum.Cli.Parsing;

/// <summary>The values a numeric option accepts: [Min, Max], or (Min, Max] when <paramref name="MinExclusive"/>.</summary>
public readonly record struct NumberRange<T>(T Min, T Max, bool MinExclusive = false) where T : struct, INumber<T>, IMinMaxValue<T>
{
    public static NumberRange<T> AtLeast(T min) => new(min, T.MaxValue);

    public static NumberRange<T> Above(T min) => new(min, T.MaxValue, MinExclusive: true);

    public bool Contains(T v) => (MinExclusive ? v > Min : v >= Min) && v <= Max;

    /// <summary>"in [1, 256]", ">= 0" or "> 0", for messages and help.</summary>
    public string Describe()
    {
        var min = Format(Min);
        if (Max != T.MaxValue) return $"in {(MinExclusive ? "(" : "[")}{min}, {Format(Max)}]";
        return $"{(MinExclusive ? ">" : ">=")} {min}";
    }

    public static string Format(T v) => v.ToString(null, CultureInfo.InvariantCulture);
}
