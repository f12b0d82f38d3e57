using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;

namespace Vitrum.Cli.Parsing;

/// <summary>
/// Builds options whose values are checked while parsing, each failure one message naming the option
/// ("option --epochs expects an integer, got 'ten'"), so that commands receive only valid values.
/// </summary>
public static class OptionFactory
{
    /// <summary>A number with a fixed default, shown in the help.</summary>
    public static Option<T> Number<T>(string name, string helpName, string description, NumberRange<T> range, T defaultValue)
        where T : struct, INumber<T>, IMinMaxValue<T> =>
        new(name)
        {
            HelpName = helpName,
            Description = description,
            DefaultValueFactory = _ => defaultValue,
            CustomParser = r => ParseNumber(r, name, range) ?? defaultValue,
        };

    /// <summary>A number whose default the command decides (null when not given); <paramref name="defaultText"/> says which in the help.</summary>
    public static Option<T?> OptionalNumber<T>(string name, string helpName, string description, NumberRange<T> range, string defaultText)
        where T : struct, INumber<T>, IMinMaxValue<T> =>
        new(name)
        {
            HelpName = helpName,
            Description = $"{description} [default: {defaultText}]",
            CustomParser = r => ParseNumber(r, name, range),
        };

    public static Option<bool> Flag(string name, string description) => new(name) { Description = description };

    /// <summary>A free-form value (a name, a path to write); <paramref name="defaultText"/> describes what applies when it is absent.</summary>
    public static Option<string?> Text(string name, string helpName, string description, string? defaultText = null) =>
        new(name) { HelpName = helpName, Description = defaultText == null ? description : $"{description} [default: {defaultText}]" };

    public static Option<string> RequiredText(string name, string helpName, string description) =>
        new(name) { HelpName = helpName, Description = description, Required = true };

    /// <summary>A path that must name an existing file (<paramref name="what"/>: "weights file", "input file").</summary>
    public static Option<string> ExistingFile(string name, string helpName, string description, string what, bool required)
    {
        var option = new Option<string>(name) { HelpName = helpName, Description = description, Required = required };
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } path && !File.Exists(path))
                r.AddError($"option {name}: no such {what} '{path}'");
        });
        return option;
    }

    /// <summary>One of a few fixed words, the first being the default.</summary>
    public static Option<string> Choice(string name, string description, params string[] choices) =>
        new(name)
        {
            HelpName = string.Join('|', choices),
            Description = description,
            DefaultValueFactory = _ => choices[0],
            CustomParser = r =>
            {
                var v = r.Tokens[^1].Value;
                if (!choices.Contains(v, StringComparer.Ordinal))
                    r.AddError($"option {name} must be {string.Join(" or ", choices.Select(c => $"'{c}'"))}, got '{v}'");
                return v;
            },
        };

    /// <summary>One positional path that must name an existing file.</summary>
    public static Argument<string> ExistingFileArgument(string name, string helpName, string description, string what) =>
        MustExist(new Argument<string>(name) { HelpName = helpName, Description = description }, what);

    /// <summary>Any number of positional paths, each of which must name an existing file.</summary>
    public static Argument<string[]> ExistingFileArguments(string name, string helpName, string description, string what) =>
        MustExist(new Argument<string[]>(name) { HelpName = helpName, Description = description, Arity = ArgumentArity.ZeroOrMore }, what);

    private static Argument<T> MustExist<T>(Argument<T> argument, string what)
    {
        argument.Validators.Add(r =>
        {
            if (r.Tokens.FirstOrDefault(t => !File.Exists(t.Value)) is { } missing)
                r.AddError($"no such {what} '{missing.Value}'");
        });
        return argument;
    }

    private static T? ParseNumber<T>(ArgumentResult r, string name, NumberRange<T> range) where T : struct, INumber<T>, IMinMaxValue<T>
    {
        var s = r.Tokens[^1].Value;
        bool integer = typeof(T) != typeof(double);
        var style = integer ? NumberStyles.Integer : NumberStyles.Float;
        if (!T.TryParse(s, style, CultureInfo.InvariantCulture, out var v) || (!integer && !double.IsFinite(double.CreateTruncating(v))))
        {
            r.AddError($"option {name} expects {(integer ? "an integer" : "a number")}, got '{s}'");
            return null;
        }
        if (!range.Contains(v))
        {
            r.AddError($"option {name} must be {range.Describe()}, got {NumberRange<T>.Format(v)}");
            return null;
        }
        return v;
    }
}
