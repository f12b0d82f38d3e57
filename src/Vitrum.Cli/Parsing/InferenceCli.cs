using System.CommandLine;
using Vitrum.Cli.Commands;
using static Vitrum.Cli.Parsing.OptionFactory;

namespace Vitrum.Cli.Parsing;

/// <summary>The commands that run trained weights on inputs: <c>predict</c>, <c>detect</c>, <c>attention</c> and <c>g2p</c>.</summary>
public static class InferenceCli
{
    public static VitrumCommand Predict()
    {
        var images = ExistingFileArguments("image", "IMAGE", "PNG/JPEG images to classify", "image file");
        var input = ExistingFile("--input", "X.safetensors",
            "tensors instead of images: 'input' [N,C,H,W] already normalized, or for a Transformer 'src' [N,S] and 'tgt' [N,T] int64", "input file", required: false);
        var output = Text("--output", "Y.safetensors", "also write the 'logits' here");
        var top = Number("--top", "K", "labels shown per image", new NumberRange<int>(1, 1000), 5);
        var command = new VitrumCommand("predict", "Top-k labels with probabilities for images, or logits for a tensor file; a detector's objects (and DETR's outputs).",
            "vitrum predict --weights runs/X/best.safetensors cat.jpg dog.png --top 3",
            "An object detector (DETR) prints the objects scored at least --threshold: label, score, box (x0, y0, x1, y1) in pixels.\n" +
            "Its --input takes 'input' [N,C,H,W] normalized and an optional 'mask' [N,H,W] uint8 (1 = padding); --output gets\n" +
            "'pred_logits', 'pred_boxes' and 'aux_outputs.{i}.pred_logits' / 'aux_outputs.{i}.pred_boxes'.")
        {
            images, CliOptions.Weights, CliOptions.ModelOfWeights, input, output, top, DetectionThreshold, CliOptions.ClassNamesDataset, CliOptions.Threads, CliOptions.Json,
        };
        command.Runs(r => PredictCommand.Run(r.GetRequiredValue(CliOptions.Weights), r.GetValue(CliOptions.ModelOfWeights), r.GetRequiredValue(images),
            r.GetValue(input), r.GetValue(output), r.GetValue(CliOptions.ClassNamesDataset), r.GetValue(top), r.GetValue(DetectionThreshold), r.GetValue(CliOptions.Json)));
        return command;
    }

    /// <summary>--threshold of the detection commands: the score an object needs to be reported.</summary>
    private static readonly Option<double> DetectionThreshold = Number("--threshold", "P",
        "object detectors: the least score (probability of the best object class) of a reported object", new NumberRange<double>(0, 1), Detections.DefaultThreshold);

    public static VitrumCommand Detect()
    {
        var images = ExistingFileArguments("image", "IMAGE", "PNG/JPEG images", "image file");
        var outDir = RequiredText("--out", "DIR", $"where NAME.png (each image with its boxes) and {DetectCommand.ResultsFile} (COCO results format) are written");
        var command = new VitrumCommand("detect", "Objects in images drawn as labelled, scored boxes, and listed in COCO's results format.",
            "vitrum detect --weights runs/detr_digits-digit-scenes/best.safetensors scene1.png scene2.png --out detected --threshold 0.7",
            "Images are prepared as DETR's val transform prepares them (shorter side to the model's size, longer at most its max size).\n" +
            $"Each image's id in {DetectCommand.ResultsFile} is its file name's number when all names are numbers (COCO's), else its position from 1.")
        {
            images, CliOptions.Weights, CliOptions.ModelOfWeights, outDir, DetectionThreshold, CliOptions.Threads, CliOptions.Json,
        };
        command.Runs(r => DetectCommand.Run(r.GetRequiredValue(CliOptions.Weights), r.GetValue(CliOptions.ModelOfWeights), r.GetRequiredValue(images),
            r.GetRequiredValue(outDir), r.GetValue(DetectionThreshold), r.GetValue(CliOptions.Json)));
        return command;
    }

    public static VitrumCommand Attention()
    {
        var image = ExistingFileArgument("image", "IMAGE", "the PNG/JPEG image", "image file");
        var outPath = RequiredText("--out", "MAP.png", "where the heat map is written");
        var query = new Option<int[]>("--query")
        {
            HelpName = "K", Description = $"object detectors: the object query to map (repeatable) [default: the best-scoring ones at or above --threshold, at most {QueryAttentionCommand.MaxPanels}]",
            Arity = ArgumentArity.OneOrMore, AllowMultipleArgumentsPerToken = false,
        };
        var command = new VitrumCommand("attention", "A heat map of where an image model attends: attention rollout (ViT, TNT), last-stage window attention (Swin), or a detector's object queries' decoder cross-attention (DETR).",
            "vitrum attention --weights runs/X/best.safetensors cat.jpg --out cat_attention.png")
        {
            image, CliOptions.Weights, CliOptions.ModelOfWeights, outPath, query, DetectionThreshold, CliOptions.Threads, CliOptions.Json,
        };
        command.Runs(r => AttentionCommand.Run(r.GetRequiredValue(CliOptions.Weights), r.GetValue(CliOptions.ModelOfWeights),
            r.GetRequiredValue(image), r.GetRequiredValue(outPath), r.GetValue(query) ?? [], r.GetValue(DetectionThreshold), r.GetValue(CliOptions.Json)));
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
