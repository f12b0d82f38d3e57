using System.CommandLine;
using Vitrum.Cli.Commands;
using Vitrum.Models;
using static Vitrum.Cli.Parsing.OptionFactory;

namespace Vitrum.Cli.Parsing;

/// <summary>
/// The options several commands share, defined once: their names, value checks, defaults and help text.
/// Options of a single command are defined with that command (TrainCli, EvalCli, InferenceCli, UtilityCli).
/// </summary>
public static class CliOptions
{
    public static readonly Option<int> Threads = Number("--threads", "T", "worker threads", new NumberRange<int>(1, 256), Environment.ProcessorCount);

    public static readonly Option<bool> Json = Flag("--json", "print only one JSON object, as the last line of stdout");

    public static readonly Option<int> Seed = Number("--seed", "S", "seed of the initialization, shuffling and augmentation", NumberRange<int>.AtLeast(0), 0);

    public static readonly Option<string> Weights = ExistingFile("--weights", "W",
        "the weights: a .safetensors file (as train writes them) or a PyTorch .pth state dict", "weights file", required: true);

    /// <summary>--model where a weights file is read: it overrides the config the file holds.</summary>
    public static readonly Option<string?> ModelOfWeights = Text("--model", "PRESET|CONFIG.json",
        "the model the weights belong to: a preset (see 'vitrum models') or a JSON config", "the config stored in the weights");

    /// <summary>--model where a fresh model is built.</summary>
    public static readonly Option<string> ModelToBuild = RequiredText("--model", "PRESET|CONFIG.json",
        "the model: a preset (see 'vitrum models') or a JSON config with \"family\" and its fields");

    /// <summary>The data sets known by name; any existing directory is an image folder.</summary>
    public static IEnumerable<string> DatasetNames => DatasetChoice.Names.Append(G2PTrainCommand.Dataset).Concat(DetectionDatasetChoice.Names);

    public static readonly Option<string> Dataset = DatasetOption(required: true,
        "a named data set (downloaded and cached on first use) or a directory with one subfolder of PNG/JPEG images per class");

    /// <summary>--dataset where it only names the classes.</summary>
    public static readonly Option<string> ClassNamesDataset = DatasetOption(required: false,
        "the data set whose class names label the predictions [default: the names stored in the weights, else indices]");

    private static readonly NumberRange<int> BeamRange = new(1, 64);
    private const string BeamHelp = "beam size of the decoding (1 = greedy)";

    public static readonly Option<int> Beam = Number("--beam", "K", BeamHelp, BeamRange, 1);

    /// <summary>--beam of training, for the test decoding at the end.</summary>
    public static readonly Option<int?> RecipeBeam = OptionalNumber("--beam", "K", BeamHelp + " of the final test", BeamRange, Recipe(r => r.BeamSize));

    public static readonly Option<double> LengthPenalty = Number("--length-penalty", "A", "GNMT length penalty alpha of beam search", NumberRange<double>.AtLeast(0), 0.6);

    public static readonly NumberRange<int> BatchRange = new(1, 65_536);

    /// <summary>"the preset's recipe, else 10": the help text of a default taken from <see cref="ModelChoice.TrainingDefaults"/>.</summary>
    public static string Recipe(Func<TrainingRecipe, object?> field) => $"the preset's recipe, else {field(new TrainingRecipe())}";

    private static Option<string> DatasetOption(bool required, string description)
    {
        var option = new Option<string>("--dataset") { HelpName = string.Join('|', DatasetNames) + "|DIR", Description = description, Required = required };
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } v && !DatasetNames.Contains(v, StringComparer.Ordinal) && !Directory.Exists(v))
                r.AddError($"option --dataset: '{v}' is neither a known data set ({string.Join(", ", DatasetNames)}) nor a directory");
        });
        return option;
    }
}
