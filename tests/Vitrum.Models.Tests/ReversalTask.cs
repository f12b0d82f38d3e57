using Vitrum.Models.Transformer;
using Vitrum.Nn.Optim;
using Vitrum.Tensors;
using Vitrum.Tensors.Memory;

namespace Vitrum.Models.Tests;

/// <summary>
/// A small Transformer trained for a few seconds to reverse sequences of symbols 3..11 (0 pad, 1 bos, 2 eos),
/// so that decoding tests see confident, varied outputs instead of a random model's repeated token.
/// </summary>
public static class ReversalTask
{
    public const long Bos = 1, Eos = 2;

    public static readonly TransformerConfig Config = new()
    {
        SrcVocabSize = 12, TgtVocabSize = 12, DModel = 32, NHead = 4, NumEncoderLayers = 2, NumDecoderLayers = 2,
        DimFeedforward = 64, Dropout = 0, MaxLen = 40,
    };

    private static readonly Lazy<TransformerModel> Trained = new(Train);

    /// <summary>The trained model (shared: decoding tests must not change it).</summary>
    public static TransformerModel Model => Trained.Value;

    /// <summary>Random symbol sequences of lengths 2..7, right-padded: [n, 7] int64, and the sequences.</summary>
    public static (Tensor Src, long[][] Seqs) Batch(int n, Random rng)
    {
        var seqs = Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, rng.Next(2, 8)).Select(_ => (long)rng.Next(3, 12)).ToArray()).ToArray();
        var src = new long[n * 7];
        for (int i = 0; i < n; i++) seqs[i].CopyTo(src, i * 7);
        return (Tensor.FromLongs(src, n, 7), seqs);
    }

    private static TransformerModel Train()
    {
        var model = new TransformerModel(Config, seed: 1);
        var opt = new Adam([new ParamGroup(model.Parameters(), 3e-3)]);
        var rng = new Random(5);
        for (int step = 0; step < 200; step++)
        {
            using var scope = new TensorScope();
            var (src, seqs) = Batch(32, rng);
            var tgtIn = new long[32 * 8];
            var tgtOut = new long[32 * 8];
            for (int i = 0; i < 32; i++)
            {
                var rev = seqs[i].Reverse().ToArray();
                tgtIn[i * 8] = Bos;
                rev.CopyTo(tgtIn, i * 8 + 1);
                rev.CopyTo(tgtOut, i * 8);
                tgtOut[i * 8 + rev.Length] = Eos;
            }
            var logits = model.Forward(src, Tensor.FromLongs(tgtIn, 32, 8));
            var loss = Ops.CrossEntropy(logits.Reshape(32 * 8, 12), Tensor.FromLongs(tgtOut, 32 * 8), ignoreIndex: 0);
            model.ZeroGrad();
            loss.Backward();
            opt.Step();
        }
        model.Eval();
        return model;
    }
}
