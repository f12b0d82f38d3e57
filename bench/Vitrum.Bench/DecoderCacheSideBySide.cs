using Vitrum.Models.Transformer;
using Vitrum.Tensors;
using Vitrum.Tensors.Threading;
using static Vitrum.Bench.SideBySideTiming;

namespace Vitrum.Bench;

/// <summary>
/// Transformer decoding with the decoder's key/value cache against re-running the decoder over the whole
/// prefix at every step, in one run (rounds interleaved): greedy and beam search on the g2p_transformer
/// architecture (random weights), a batch of sources, exactly --len output tokens (eos is made impossible
/// by its generator bias, so both paths do the same number of steps). Checks that both give the same tokens.
/// </summary>
public sealed class DecoderCacheSideBySide : ISideBySide
{
    public string Name => "decoder-cache";

    public string Description => "cached vs uncached Transformer decoding (--batch 32 --src 12 --len 30 --beam 4 --reps 5 --threads T)";

    public int Run(string[] args)
    {
        int batch = IntArg(args, "--batch", 32), srcLen = IntArg(args, "--src", 12), len = IntArg(args, "--len", 30);
        int beam = IntArg(args, "--beam", 4), reps = IntArg(args, "--reps", 5);
        WorkerPool.ThreadCount = IntArg(args, "--threads", WorkerPool.ThreadCount);
        const long bos = 1, eos = 2;
        var config = TransformerPresets.G2pTransformer;
        var model = new TransformerModel(config, seed: 9);
        model.Generator.Bias.AsSpan()[(int)eos] = -1e4f;
        var rng = new Random(3);
        var src = Tensor.FromLongs(Enumerable.Range(0, batch * srcLen).Select(_ => (long)rng.Next(3, config.SrcVocabSize)).ToArray(), batch, srcLen);
        Console.WriteLine($"g2p_transformer (d_model {config.DModel}, {config.NumEncoderLayers}+{config.NumDecoderLayers} layers), batch {batch}, " +
                          $"source {srcLen} tokens, {len} output tokens, {WorkerPool.ThreadCount} threads, {reps} interleaved rounds");

        long[][]? g1 = null, g2 = null, b1 = null, b2 = null;
        var t = RoundRobin(reps, 1,
            () => g1 = TransformerDecoding.Greedy(model, src, len, bos, eos, useCache: true),
            () => g2 = TransformerDecoding.Greedy(model, src, len, bos, eos, useCache: false),
            () => b1 = TransformerDecoding.Beam(model, src, beam, len, bos, eos, useCache: true),
            () => b2 = TransformerDecoding.Beam(model, src, beam, len, bos, eos, useCache: false));
        bool sameGreedy = g1!.Zip(g2!).All(p => p.First.SequenceEqual(p.Second));
        bool sameBeam = b1!.Zip(b2!).All(p => p.First.SequenceEqual(p.Second));
        if (g1!.Any(s => s.Length != len)) throw new InvalidOperationException("an output stopped before --len tokens");
        double gc = Median(t[0]), gu = Median(t[1]), bc = Median(t[2]), bu = Median(t[3]);
        Console.WriteLine($"greedy        cached {gc,9:F1} ms   uncached {gu,9:F1} ms   speed-up {gu / gc,6:F2}x   same tokens: {sameGreedy}");
        Console.WriteLine($"beam {beam,-2}       cached {bc,9:F1} ms   uncached {bu,9:F1} ms   speed-up {bu / bc,6:F2}x   same tokens: {sameBeam}");
        Console.WriteLine($"{{\"greedy_speedup\":{gu / gc:F2},\"beam_speedup\":{bu / bc:F2},\"greedy_cached_ms\":{gc:F1},\"greedy_uncached_ms\":{gu:F1}," +
                          $"\"beam_cached_ms\":{bc:F1},\"beam_uncached_ms\":{bu:F1},\"same_tokens\":{(sameGreedy && sameBeam ? "true" : "false")}}}");
        return sameGreedy && sameBeam ? 0 : 1;
    }
}
