using Vitrum.Data.Datasets;
using Vitrum.Training;

namespace Vitrum.Cli.Commands;

/// <summary>
/// Lines up a data set's labels with a model's outputs by class name before <c>eval</c> scores it: the weights'
/// "classes" metadata names each output, and every class of the data set must be one of them. The same names in
/// another order, or a subset of them, are mapped by name (what a user who renamed nothing expects); a name the
/// weights do not have is refused in one line naming both lists, since an accuracy over mislabelled images means
/// nothing. Weights without names (a .pth, --model) are taken in order when the outputs are enough.
/// </summary>
public static class ClassMatch
{
    /// <summary>Names shown of a long class list before "and N more".</summary>
    private const int Shown = 10;

    /// <param name="metadata">the weights' metadata ("classes": a JSON array of names)</param>
    /// <param name="outputs">the model's number of outputs</param>
    /// <param name="dataset">the data set as given on the command line, for messages</param>
    /// <param name="weights">the weights file's name, for messages</param>
    /// <param name="log">where a note on the mapping goes</param>
    /// <returns><paramref name="data"/> with labels in the model's output order</returns>
    /// <exception cref="CliException">a class the weights do not name, more classes than outputs, or names that are not one per output (exit 1)</exception>
    public static ImageClassificationData ToWeights(ImageClassificationData data, IReadOnlyDictionary<string, string> metadata, int outputs, string dataset, string weights, Action<string> log)
    {
        var own = data.Classes;
        string[]? named;
        try { named = ImageClassifier.NamedClasses(metadata, outputs, weights); }
        catch (ArgumentException e) { throw new CliException(e.Message, ExitCodes.Failure); }
        if (named == null)
        {
            if (own.Length > outputs)
                throw new CliException($"{dataset} has {own.Length} classes but the model predicts {outputs}, and the weights name none to match them by", ExitCodes.Failure);
            return data;
        }
        if (own.SequenceEqual(named, StringComparer.Ordinal)) return data;
        var index = named.Select((n, i) => (n, i)).GroupBy(x => x.n, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().i, StringComparer.Ordinal);
        var unknown = own.Where(c => !index.ContainsKey(c)).ToArray();
        if (unknown.Length > 0)
            throw new CliException($"the classes of {dataset} are not those of {weights}: it has {List(own)}; the weights name {List(named)}; not among them: {List(unknown)}", ExitCodes.Failure);
        log(own.Length == named.Length
            ? $"eval: {dataset} has the weights' classes in another order; labels mapped by name"
            : $"eval: {dataset} has {own.Length} of the weights' {named.Length} classes; labels mapped by name");
        var map = own.Select(c => index[c]).ToArray();
        return data with { Labels = data.Labels.Select(l => map[l]).ToArray(), Classes = named };
    }

    /// <summary>"3 classes (a, b, c)", or the first <see cref="Shown"/> names and how many more.</summary>
    private static string List(IReadOnlyList<string> names) =>
        $"{names.Count} class{(names.Count == 1 ? "" : "es")} ({string.Join(", ", names.Take(Shown))}{(names.Count > Shown ? $" and {names.Count - Shown} more" : "")})";
}
