using Vitrum.Data.Text;
using Vitrum.Tensors;

namespace Vitrum.Data.Loading;

/// <summary>
/// A padded batch of sequence pairs: <c>Src</c> [N, S], <c>TgtIn</c> [N, T] = bos + target and
/// <c>TgtOut</c> [N, T] = target + eos (teacher forcing), all int64 and padded with
/// <see cref="Vocabulary.Pad"/>. The consumer disposes it.
/// </summary>
public sealed record Seq2SeqBatch(Tensor Src, Tensor TgtIn, Tensor TgtOut, int SrcTokens, int TgtTokens) : IDisposable
{
    public int Size => Src.Shape[0];

    /// <summary>
    /// The target tokens of the whole batch this one is a data-parallel shard of (every rank knows the whole batch, so
    /// none has to ask): a rank's summed loss over it is its share of the one process's mean. <see cref="TgtTokens"/>
    /// when not sharded.
    /// </summary>
    public int BatchTgtTokens { get => _batchTgtTokens ?? TgtTokens; init => _batchTgtTokens = value; }

    /// <summary>Source and target tokens of the whole batch (the run's throughput units).</summary>
    public int BatchTokens { get => _batchTokens ?? SrcTokens + TgtTokens; init => _batchTokens = value; }

    private readonly int? _batchTgtTokens, _batchTokens;

    public void Dispose()
    {
        Src.Dispose();
        TgtIn.Dispose();
        TgtOut.Dispose();
    }
}

/// <summary>
/// Length-bucketed batches of (source, target) id sequences, as torchtext's BucketIterator: each epoch
/// shuffles the pairs with a generator seeded by (seed, epoch), sorts pools of 50 batches by length so a
/// batch holds pairs of similar lengths (little padding), cuts them into batches and shuffles the batch
/// order. The batches of an epoch are therefore fixed by the seed, and the number of batches per epoch
/// does not change, so a resumed run can skip to the batch it stopped at. With a <see cref="Shard"/> every rank plans
/// the same batches and reads its rows of each (<see cref="DataShard"/>'s cut of the length-sorted batch).
/// </summary>
public sealed class BucketBatcher
{
    private const int PoolBatches = 50;
    private readonly IReadOnlyList<(long[] Src, long[] Tgt)> _pairs;
    private readonly ulong _seed;

    public int BatchSize { get; }

    /// <summary>The rows of each batch this process reads (data-parallel); the whole batch by default.</summary>
    public DataShard Shard { get; init; } = DataShard.Whole;

    public BucketBatcher(IReadOnlyList<(long[] Src, long[] Tgt)> pairs, int batchSize, ulong seed)
    {
        if (batchSize <= 0) throw new ArgumentException($"BucketBatcher: batch size must be positive, got {batchSize}");
        if (pairs.Count == 0) throw new ArgumentException("BucketBatcher: there are no sequence pairs");
        (_pairs, BatchSize, _seed) = (pairs, batchSize, seed);
    }

    /// <summary>Every (word, pronunciation) pair: a word with several pronunciations gives one pair each.</summary>
    public static (long[] Src, long[] Tgt)[] Pairs(IEnumerable<Datasets.G2PExample> examples) =>
        examples.SelectMany(e => e.Pronunciations.Select(p => (e.Letters, p))).ToArray();

    public int BatchesPerEpoch => (_pairs.Count + BatchSize - 1) / BatchSize;

    /// <summary>The pair indices of each batch of <paramref name="epoch"/>.</summary>
    public int[][] Plan(int epoch)
    {
        var g = new Generator((_seed + 1) * 0x9E3779B97F4A7C15UL ^ (ulong)epoch * 0xC2B2AE3D27D4EB4FUL);
        var order = Enumerable.Range(0, _pairs.Count).ToArray();
        Shuffle(order, g);
        var batches = new List<int[]>(BatchesPerEpoch);
        int pool = PoolBatches * BatchSize;
        for (int p = 0; p < order.Length; p += pool)
        {
            var chunk = order.AsSpan(p, Math.Min(pool, order.Length - p)).ToArray();
            var keys = chunk.Select(i => ((long)_pairs[i].Src.Length << 32) | (uint)_pairs[i].Tgt.Length).ToArray();
            Array.Sort(keys, chunk);
            for (int b = 0; b < chunk.Length; b += BatchSize) batches.Add(chunk.AsSpan(b, Math.Min(BatchSize, chunk.Length - b)).ToArray());
        }
        var shuffled = batches.ToArray();
        Shuffle(shuffled, g);
        return shuffled;
    }

    /// <summary>The batches of <paramref name="epoch"/> from batch <paramref name="skipBatches"/> on.</summary>
    public IEnumerable<Seq2SeqBatch> Epoch(int epoch, int skipBatches = 0)
    {
        var plan = Plan(epoch);
        for (int b = skipBatches; b < plan.Length; b++) yield return Shard.IsWhole ? Make(plan[b]) : MakeShard(plan[b]);
    }

    /// <summary>
    /// This rank's rows of <paramref name="batch"/>, padded as <see cref="DataShard"/> pads so every rank has as many
    /// (and at least one) row; a row repeated by the padding keeps its source but has no target tokens (all padding), so
    /// it adds nothing to the loss and the ranks' losses together are the one process's, each pair once.
    /// </summary>
    public Seq2SeqBatch MakeShard(int[] batch)
    {
        var positions = Shard.Of(Enumerable.Range(0, batch.Length).ToArray(), pad: true);
        int first = Shard.Rank;
        var repeated = new bool[positions.Length];
        for (int k = 0; k < positions.Length; k++) repeated[k] = first + (long)k * Shard.Count >= batch.Length;
        var mine = Make(positions.Select(p => batch[p]).ToArray(), repeated);
        int src = 0, tgt = 0;
        foreach (var i in batch) (src, tgt) = (src + _pairs[i].Src.Length, tgt + _pairs[i].Tgt.Length + 1);
        return mine with { BatchTgtTokens = tgt, BatchTokens = src + tgt };
    }

    public Seq2SeqBatch Make(IReadOnlyList<int> indices) => Make(indices, null);

    /// <param name="indices">pairs, one row each</param>
    /// <param name="untargeted">rows whose targets are left all padding (not counted in the token counts), or null</param>
    private Seq2SeqBatch Make(IReadOnlyList<int> indices, bool[]? untargeted)
    {
        int n = indices.Count, s = 0, t = 0, srcTokens = 0, tgtTokens = 0;
        foreach (var i in indices)
        {
            s = Math.Max(s, _pairs[i].Src.Length);
            t = Math.Max(t, _pairs[i].Tgt.Length + 1);
        }
        var src = Padded(indices.Select(i => _pairs[i].Src).ToArray());
        var tin = Tensor.LongZeros(n, t);
        var tout = Tensor.LongZeros(n, t);
        var a = tin.AsLongSpan();
        var o = tout.AsLongSpan();
        for (int r = 0; r < n; r++)
        {
            var (x, y) = _pairs[indices[r]];
            a[r * t] = Vocabulary.Bos;
            y.CopyTo(a.Slice(r * t + 1, y.Length));
            if (untargeted != null && untargeted[r]) continue;
            srcTokens += x.Length;
            tgtTokens += y.Length + 1;
            y.CopyTo(o.Slice(r * t, y.Length));
            o[r * t + y.Length] = Vocabulary.Eos;
        }
        return new Seq2SeqBatch(src, tin, tout, srcTokens, tgtTokens);
    }

    /// <summary>Sequences as one [N, max length] int64 tensor padded with <see cref="Vocabulary.Pad"/>.</summary>
    public static Tensor Padded(IReadOnlyList<long[]> rows)
    {
        int len = rows.Count == 0 ? 0 : rows.Max(r => r.Length);
        var x = Tensor.LongZeros(rows.Count, len); // zeros are Vocabulary.Pad
        var span = x.AsLongSpan();
        for (int r = 0; r < rows.Count; r++) rows[r].CopyTo(span.Slice(r * len, rows[r].Length));
        return x;
    }

    private static void Shuffle<T>(T[] a, Generator g)
    {
        for (int i = a.Length - 1; i > 0; i--)
        {
            int j = g.NextInt(i + 1);
            (a[i], a[j]) = (a[j], a[i]);
        }
    }
}
