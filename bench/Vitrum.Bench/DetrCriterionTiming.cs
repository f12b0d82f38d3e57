using Vitrum.Models.Detr;
using Vitrum.Tensors;
using Vitrum.Tensors.Memory;

namespace Vitrum.Bench;

/// <summary>
/// DETR's matching and set loss at COCO's sizes (100 queries, 91 classes + "no object", 5 auxiliary decoder outputs,
/// 7 objects per image): the Hungarian matching of all 6 outputs, and the criterion's forward and backward, medians in
/// milliseconds. bench/detr_criterion_peer.py times the official code on the same sizes.
/// Usage: <c>detr-criterion [--batch B] [--targets T] [--rounds R]</c>.
/// </summary>
public sealed class DetrCriterionTiming : ISideBySide
{
    public string Name => "detr-criterion";
    public string Description => "DETR HungarianMatcher and SetCriterion forward+backward at COCO sizes [--batch B] [--targets T] [--rounds R]";

    public int Run(string[] args)
    {
        int batch = SideBySideTiming.IntArg(args, "--batch", 2), perImage = SideBySideTiming.IntArg(args, "--targets", 7);
        int rounds = SideBySideTiming.IntArg(args, "--rounds", 50);
        const int queries = 100, numClasses = 91, aux = 5;
        var gen = new Generator(1);
        DetrOutput Random() => new(Tensor.Randn(gen, batch, queries, numClasses + 1).RequireGrad(),
            Ops.Add(Ops.Mul(Tensor.Rand(gen, batch, queries, 4), 0.8f), 0.1f).RequireGrad());
        var outputs = Random() with { AuxOutputs = Enumerable.Range(0, aux).Select(_ => Random()).ToArray() };
        var targets = Enumerable.Range(0, batch).Select(i => new DetrTarget(
            Tensor.FromLongs(Enumerable.Range(0, perImage).Select(j => (long)((i * 13 + j * 7) % numClasses)).ToArray(), perImage),
            Ops.Add(Ops.Mul(Tensor.Rand(gen, perImage, 4), 0.4f), 0.2f))).ToArray();
        var criterion = new SetCriterion(numClasses);
        var times = SideBySideTiming.RoundRobin(rounds, 20,
            () =>
            {
                using var scope = new TensorScope();
                foreach (var o in new[] { outputs }.Concat(outputs.AuxOutputs)) criterion.Matcher.Forward(o, targets);
            },
            () =>
            {
                using var scope = new TensorScope();
                criterion.Forward(outputs, targets).Total.Backward();
            });
        Console.WriteLine($"batch {batch}, {queries} queries, {perImage} targets per image, {aux} aux outputs: " +
            $"matching of 6 outputs {SideBySideTiming.Median(times[0]):F2} ms, criterion forward+backward {SideBySideTiming.Median(times[1]):F2} ms");
        return 0;
    }
}
