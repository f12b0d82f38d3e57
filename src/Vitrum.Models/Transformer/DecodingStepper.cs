// Step-wise decoding for the Transformer (Vaswani et al., 2017), cached or recomputed (the reference for the cache).
using Vitrum.Tensors;
using Vitrum.Tensors.Memory;

namespace Vitrum.Models.Transformer;

/// <summary>
/// Next-token log-probabilities for B rows decoded in parallel, one step at a time: either with the
/// decoder's key/value cache, or by re-running the decoder over each row's whole prefix (the reference the
/// cache is tested and benchmarked against). Both read one encoder output computed once.
/// </summary>
internal abstract class DecodingStepper : IDisposable
{
    protected readonly TransformerModel Model;
    private readonly float[] _logProbs;

    protected DecodingStepper(TransformerModel model, int rows)
    {
        Model = model;
        Rows = rows;
        _logProbs = new float[rows * model.Config.TgtVocabSize];
    }

    public int Rows { get; }

    /// <param name="memory">[B, S, E], the encoder's output (rows already repeated per beam)</param>
    /// <param name="memoryPadding">[B, S] int64 1 = padding, or null</param>
    /// <param name="capacity">the most tokens any row will be fed (bos included)</param>
    public static DecodingStepper Create(TransformerModel model, Tensor memory, Tensor? memoryPadding, int capacity, bool useCache) =>
        useCache ? new Cached(model, memory, memoryPadding, capacity) : new Recomputing(model, memory, memoryPadding, capacity);

    /// <summary>Feeds one token per row; returns log-softmax over the target vocabulary, [B * V] row-major (valid until the next call).</summary>
    public ReadOnlySpan<float> Step(ReadOnlySpan<long> tokens)
    {
        using var scope = new TensorScope();
        var logits = Logits(tokens).Contiguous().AsSpan();
        int v = Model.Config.TgtVocabSize;
        for (int r = 0; r < Rows; r++)
        {
            var row = logits.Slice(r * v, v);
            float max = float.NegativeInfinity;
            foreach (var x in row) max = Math.Max(max, x);
            double sum = 0;
            foreach (var x in row) sum += Math.Exp(x - max);
            float lse = max + (float)Math.Log(sum);
            var dst = _logProbs.AsSpan(r * v, v);
            for (int i = 0; i < v; i++) dst[i] = row[i] - lse;
        }
        return _logProbs;
    }

    /// <summary>The next-token logits [B, V] after feeding <paramref name="tokens"/>.</summary>
    protected abstract Tensor Logits(ReadOnlySpan<long> tokens);

    /// <summary>Row b continues the history of row rows[b] (rows of one source's beams only).</summary>
    public abstract void Reorder(ReadOnlySpan<int> rows);

    public abstract void Dispose();

    private sealed class Cached(TransformerModel model, Tensor memory, Tensor? memoryPadding, int capacity) : DecodingStepper(model, memory.Shape[0])
    {
        private readonly DecoderCache _cache = model.CreateCache(memory, memoryPadding, capacity);

        protected override Tensor Logits(ReadOnlySpan<long> tokens) => Model.DecodeStep(Tensor.FromLongs(tokens.ToArray(), Rows), _cache);

        public override void Reorder(ReadOnlySpan<int> rows) => _cache.Reorder(rows);

        public override void Dispose() => _cache.Dispose();
    }

    private sealed class Recomputing(TransformerModel model, Tensor memory, Tensor? memoryPadding, int capacity) : DecodingStepper(model, memory.Shape[0])
    {
        private long[] _history = new long[memory.Shape[0] * capacity], _spare = new long[memory.Shape[0] * capacity];
        private int _length;

        protected override Tensor Logits(ReadOnlySpan<long> tokens)
        {
            if (_length >= capacity) throw new ArgumentException($"decoding: more than {capacity} steps");
            for (int r = 0; r < Rows; r++) _history[r * capacity + _length] = tokens[r];
            _length++;
            var prefix = new long[Rows * _length];
            for (int r = 0; r < Rows; r++) Array.Copy(_history, r * capacity, prefix, r * _length, _length);
            var logits = Model.Decode(Tensor.FromLongs(prefix, Rows, _length), memory, memoryPadding, maskTargetPadding: false);
            return logits.Select(1, _length - 1);
        }

        public override void Reorder(ReadOnlySpan<int> rows)
        {
            for (int r = 0; r < Rows; r++) Array.Copy(_history, rows[r] * capacity, _spare, r * capacity, _length);
            (_history, _spare) = (_spare, _history);
        }

        public override void Dispose() { }
    }
}
