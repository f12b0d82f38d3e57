using System.CommandLine;
using Vitrum.Cli.Commands;
using static Vitrum.Cli.Parsing.OptionFactory;

namespace Vitrum.Cli.Parsing;

/// <summary>The commands that run trained weights on inputs: <c>predict</c>, <c>attention</c> and <c>g2p</c>.</summary>
public static class InferenceCli
{
    public static VitrumCommand Predict()
    {
        var images = ExistingFileArguments("image", "IMAGE", "PNG/JPEG images to classify", "image file");
        var input = ExistingFile("--input", "X.safetensors",
            "tensors instead of images: 'input' [N,C,H,W] already normalized, or for a Transformer 'src' [N,S] and 'tgt' [N,T] int64", "input file", required: false);
        var output = Text("--output", "Y.safetensors", "also write the 'logits' here");
        var top = Number("--top", "K", "labels shown per image", new NumberRange<int>(1, 1000), 5);
        var command = new VitrumCommand("predict", "Top-k labels with probabilities for images, or logits for a tensor file.",
            "vitrum predict --weights runs/X/best.safetensors cat.jpg dog.png --top 3")
        {
            images, CliOptions.Weights, CliOptions.ModelOfWeights, input, output, top, CliOptions.ClassNamesDataset, CliOptions.Threads, CliOptions.Json,
        };
        command.Runs(r => PredictCommand.Run(r.GetRequiredValue(CliOptions.Weights), r.GetValue(CliOptions.ModelOfWeights), r.GetRequiredValue(images),
            r.GetValue(input), r.GetValue(output), r.GetValue(CliOptions.ClassNamesDataset), r.GetValue(top), r.GetValue(CliOptions.Json)));
        return command;
    }

    public static VitrumCommand Attention()
    {
        var image = ExistingFileArgument("image", "IMAGE", "the PNG/JPEG image", "image file");
        var outPath = RequiredText("--out", "MAP.png", "where the heat map is written");
        var command = new VitrumCommand("attention", "A heat map of where an image model attends: attention rollout (ViT, TNT) or last-stage window attention (Swin).",
            "vitrum attention --weights runs/X/best.safetensors cat.jpg --out cat_attention.png")
        {
            image, CliOptions.Weights, CliOptions.ModelOfWeights, outPath, CliOptions.Threads, CliOptions.Json,
        };
        command.Runs(r => AttentionCommand.Run(r.GetRequiredValue(CliOptions.Weights), r.GetValue(CliOptions.ModelOfWeights),
            r.GetRequiredValue(image), r.GetRequiredValue(outPath), r.GetValue(CliOptions.Json)));
        return command;
    }

    public static VitrumCommand G2P()
    {
        var words = new Argument<string[]>("word") { HelpName = "WORD", Description = "words (letters and apostrophes)", Arity = ArgumentArity.OneOrMore };
        var command = new VitrumCommand("g2p", "Pronunciations (ARPAbet) of words by a grapheme-to-phoneme Transformer.",
            "vitrum g2p --weights runs/g2p_transformer-cmudict/best.safetensors hello world")
        {
            words, CliOptions.Weights, CliOptions.ModelOfWeights, CliOptions.Beam, CliOptions.Threads, CliOptions.Json,
        };
        command.Runs(r => G2PCommand.Run(r.GetRequiredValue(CliOptions.Weights), r.GetValue(CliOptions.ModelOfWeights),
            r.GetRequiredValue(words), r.GetValue(CliOptions.Beam), r.GetValue(CliOptions.Json)));
        return command;
    }
}
