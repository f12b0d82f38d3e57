using System.CommandLine;
using Vitrum.Cli.Commands;
using static Vitrum.Cli.Parsing.OptionFactory;

namespace Vitrum.Cli.Parsing;

/// <summary><c>vitrum eval</c>: its options and their reading into <see cref="EvalArgs"/>; <c>vitrum coco-eval</c>: detections scored against COCO ground truth.</summary>
public static class EvalCli
{
    private static readonly Option<int?> BatchSize = OptionalNumber("--batch-size", "B", "examples per forward pass", CliOptions.BatchRange,
        $"{EvalCommand.DefaultBatchSize}, {G2PEvalCommand.DefaultBatchSize} for cmudict");
    private static readonly Option<string> Split = Choice("--split", "which CMUdict split to score", "test", "valid");

    private static readonly Option[] Seq2SeqOnly = [CliOptions.Beam, CliOptions.LengthPenalty, Split];

    public static VitrumCommand Create()
    {
        var command = new VitrumCommand("eval", "Test accuracy and loss of trained weights on a data set's test split (cmudict: WER and PER).",
            "vitrum eval --weights runs/vit_mnist-mnist/best.safetensors --dataset mnist",
            $"cmudict only: {string.Join(", ", Seq2SeqOnly.Select(o => o.Name))}")
        {
            CliOptions.Weights, CliOptions.ModelOfWeights, CliOptions.Dataset, BatchSize, CliOptions.Threads, CliOptions.Json,
        };
        foreach (var o in Seq2SeqOnly) command.Add(o);
        command.Runs(r => EvalCommand.Run(new EvalArgs
        {
            Weights = r.GetRequiredValue(CliOptions.Weights),
            Model = r.GetValue(CliOptions.ModelOfWeights),
            Dataset = r.GetRequiredValue(CliOptions.Dataset),
            Json = r.GetValue(CliOptions.Json),
            BatchSize = r.GetValue(BatchSize),
            Beam = r.GetValue(CliOptions.Beam),
            LengthPenalty = r.GetValue(CliOptions.LengthPenalty),
            Split = r.GetRequiredValue(Split),
            Seq2SeqOnlyGiven = VitrumCommand.Given(r, Seq2SeqOnly),
        }));
        return command;
    }

    public static VitrumCommand CocoEval()
    {
        var gt = ExistingFileArgument("GT.json", "GT.json", "the ground truth: a COCO annotation file (images, annotations, categories)", "file");
        var detections = ExistingFileArgument("DETECTIONS.json", "DETECTIONS.json",
            "the detections in COCO's results format: [{\"image_id\", \"category_id\", \"bbox\": [x, y, w, h], \"score\"}, ...]", "file");
        var command = new VitrumCommand("coco-eval", "COCO box AP and AR of detections against ground truth, computed as pycocotools' COCOeval does.",
            "vitrum coco-eval instances_val2017.json detections.json --json")
        {
            gt, detections, CliOptions.Json,
        };
        command.Runs(r => CocoEvalCommand.Run(r.GetRequiredValue(gt), r.GetRequiredValue(detections), r.GetValue(CliOptions.Json)));
        return command;
    }
}
