using System.Globalization;

namespace Vitrum.OrtPeer;

/// <summary>The peer's command line: <c>--onnx FILE [--model NAME] [--batch B] [--threads T] [--warmup W] [--runs R]</c>.</summary>
public sealed record PeerOptions(string OnnxPath, string Model, int Batch, int Threads, int Warmup, int Runs)
{
    public const string Usage = "usage: Vitrum.OrtPeer --onnx FILE [--model NAME] [--batch 1] [--threads 2] [--warmup 3] [--runs 10]";

    /// <summary>Parses the arguments; a missing, unknown or non-positive option raises an exception naming it.</summary>
    public static PeerOptions Parse(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Count; i += 2)
        {
            string name = args[i];
            if (name is not ("--onnx" or "--model" or "--batch" or "--threads" or "--warmup" or "--runs"))
                throw new ArgumentException($"unknown option '{name}'; {Usage}");
            if (i + 1 >= args.Count)
                throw new ArgumentException($"option '{name}' needs a value; {Usage}");
            values[name] = args[i + 1];
        }
        if (!values.TryGetValue("--onnx", out var path))
            throw new ArgumentException($"option '--onnx' is required; {Usage}");
        if (!File.Exists(path))
            throw new FileNotFoundException($"--onnx: no such file '{path}'", path);
        string model = values.TryGetValue("--model", out var m) ? m : Path.GetFileNameWithoutExtension(path);
        return new PeerOptions(path, model, Positive(values, "--batch", 1), Positive(values, "--threads", 2),
            Positive(values, "--warmup", 3, allowZero: true), Positive(values, "--runs", 10));
    }

    private static int Positive(Dictionary<string, string> values, string name, int fallback, bool allowZero = false)
    {
        if (!values.TryGetValue(name, out var text))
            return fallback;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int v) || v < (allowZero ? 0 : 1))
            throw new ArgumentException($"option '{name}' expects a {(allowZero ? "non-negative" : "positive")} integer, got '{text}'");
        return v;
    }
}
