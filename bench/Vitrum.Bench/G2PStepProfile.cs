using System.Diagnostics;
using Vitrum.Models.Transformer;
using Vitrum.Tensors.Memory;
using Vitrum.Nn.Optim;
using Vitrum.Tensors;
using Vitrum.Tensors.Threading;

namespace Vitrum.Bench;

/// <summary>
/// One training step of g2p_transformer as Seq2SeqTrainer runs it (forward, label-smoothed cross-entropy,
/// backward, gradient clipping, AdamW), split into phases and into forward/backward time per op kind, on a
/// batch shaped like CMUdict's (random letters and phonemes, every word the same length).
/// Usage: <c>g2p-step [BATCH] [SRC_LEN] [TGT_LEN] [ROUNDS] [THREADS] [DROPOUT] [FFN]</c> (defaults 256 9 9 7, the pool's
/// threads, and the preset's dropout and feed-forward width, so that a recipe's cost can be seen before it is trained).
/// </summary>
public sealed class G2PStepProfile : ISideBySide
{
    public string Name => "g2p-step";
    public string Description => "forward / backward / clip / optimizer time of one g2p_transformer training step, by op";

    public int Run(string[] args)
    {
        int batch = args.Length > 0 ? int.Parse(args[0]) : 256;
        int srcLen = args.Length > 1 ? int.Parse(args[1]) : 9, tgtLen = args.Length > 2 ? int.Parse(args[2]) : 9;
        int rounds = args.Length > 3 ? int.Parse(args[3]) : 7;
        if (args.Length > 4) WorkerPool.ThreadCount = int.Parse(args[4]);
        var cfg = TransformerPresets.G2pTransformer;
        if (args.Length > 5) cfg = cfg with { Dropout = double.Parse(args[5], System.Globalization.CultureInfo.InvariantCulture) };
        if (args.Length > 6) cfg = cfg with { DimFeedforward = int.Parse(args[6]) };
        var model = new TransformerModel(cfg, 1);
        model.Train();
        var opt = new AdamW(ParamGroup.WeightDecaySplit(model, 1e-3, 0), 0.9, 0.98, 1e-9);
        var rnd = new Random(3);
        Tensor src, tgtIn, tgtOut;
        using (TensorScope.Suppress())
        {
            src = Tensor.FromLongs(Enumerable.Range(0, batch * srcLen).Select(_ => (long)rnd.Next(4, cfg.SrcVocabSize)).ToArray(), batch, srcLen);
            tgtIn = Tensor.FromLongs(Enumerable.Range(0, batch * tgtLen).Select(_ => (long)rnd.Next(4, cfg.TgtVocabSize)).ToArray(), batch, tgtLen);
            tgtOut = Tensor.FromLongs(Enumerable.Range(0, batch * tgtLen).Select(_ => (long)rnd.Next(4, cfg.TgtVocabSize)).ToArray(), batch * tgtLen);
        }
        Func<double> clock = () => Stopwatch.GetTimestamp() * 1000.0 / Stopwatch.Frequency;
        var phases = new List<double[]>();
        for (int r = 0; r < rounds + 2; r++)
        {
            using var _ = new TensorScope();
            double t0 = clock();
            var logits = model.Forward(src, tgtIn).Reshape(-1, cfg.TgtVocabSize);
            var loss = Ops.CrossEntropy(logits, tgtOut, ignoreIndex: 0, labelSmoothing: 0.1f);
            double t1 = clock();
            opt.ZeroGrad();
            loss.Backward();
            double t2 = clock();
            GradClip.ClipGradNorm(model.Parameters(), 1.0);
            double t3 = clock();
            opt.Step();
            double t4 = clock();
            if (r >= 2) phases.Add(new[] { t1 - t0, t2 - t1, t3 - t2, t4 - t3 });
        }
        double Med(int i) { var v = phases.Select(p => p[i]).OrderBy(x => x).ToList(); return v[v.Count / 2]; }
        ByOp(model, opt, src, tgtIn, tgtOut, rounds, clock);
        double total = Med(0) + Med(1) + Med(2) + Med(3);
        long tokens = (long)batch * (srcLen + tgtLen);
        Console.WriteLine($"g2p_transformer batch {batch} x ({srcLen} + {tgtLen}) tokens, {WorkerPool.ThreadCount} threads: forward {Med(0):F1} ms, backward {Med(1):F1} ms, " +
            $"clip {Med(2):F1} ms, optimizer {Med(3):F1} ms -> {total:F1} ms per step, {tokens * 1000 / total:F0} tokens/s");
        return 0;
    }

    private static void ByOp(TransformerModel model, AdamW opt, Tensor src, Tensor tgtIn, Tensor tgtOut, int rounds, Func<double> clock)
    {
        OpProfile.Print(rounds, clock, () =>
        {
            using var _ = new TensorScope();
            var logits = model.Forward(src, tgtIn).Reshape(-1, model.Config.TgtVocabSize);
            var loss = Ops.CrossEntropy(logits, tgtOut, ignoreIndex: 0, labelSmoothing: 0.1f);
            opt.ZeroGrad();
            loss.Backward();
            opt.Step();
        });
    }
}
