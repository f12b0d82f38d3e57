using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vitrum.Training;

/// <summary>
/// JSON for figures that may not be finite (a diverged loss, an evaluation of a broken model): NaN and the infinities
/// are written as <c>null</c>, which every JSON reader accepts, instead of failing the writer as System.Text.Json does by
/// default; reading turns <c>null</c> (and the "NaN"/"Infinity" strings older metrics.jsonl files hold) back into NaN or
/// the infinity. Used by metrics.jsonl and the CLI's <c>--json</c> lines.
/// </summary>
public static class FiniteJson
{
    /// <summary>The options of the CLI's <c>--json</c> lines (names as the objects spell them).</summary>
    public static JsonSerializerOptions Options { get; } = With(new JsonSerializerOptions());

    /// <summary>Adds the converters of double and float to <paramref name="options"/> and returns them.</summary>
    public static JsonSerializerOptions With(JsonSerializerOptions options)
    {
        options.Converters.Add(new DoubleConverter());
        options.Converters.Add(new SingleConverter());
        return options;
    }

    private static double ReadNumber(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.Null => double.NaN,
        JsonTokenType.String => double.TryParse(reader.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v
            : throw new JsonException($"'{reader.GetString()}' is not a number"),
        _ => reader.GetDouble(),
    };

    private sealed class DoubleConverter : JsonConverter<double>
    {
        public override bool HandleNull => true;

        public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => ReadNumber(ref reader);

        public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
        {
            if (double.IsFinite(value)) writer.WriteNumberValue(value);
            else writer.WriteNullValue();
        }
    }

    private sealed class SingleConverter : JsonConverter<float>
    {
        public override bool HandleNull => true;

        public override float Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => (float)ReadNumber(ref reader);

        public override void Write(Utf8JsonWriter writer, float value, JsonSerializerOptions options)
        {
            if (float.IsFinite(value)) writer.WriteNumberValue(value);
            else writer.WriteNullValue();
        }
    }
}
