using System.Diagnostics;
using Primitives = System.Numerics.Tensors.TensorPrimitives;
using Vitrum.Tensors;
using Vitrum.Tensors.Memory;

namespace Vitrum.Training.Distributed;

/// <summary>
/// Averages the gradients of a data-parallel step across the ranks as PyTorch's DDP reducer does: the parameters, in
/// reverse order (the backward pass completes the last layers first), are cut into buckets of about
/// <see cref="DefaultBucketBytes"/> (the first one 1 MB, so communication starts early); the backward walk reports each
/// parameter whose gradient is complete, which is then copied into its bucket, and a full bucket starts its in-place
/// sum at once, so the sums run while the earlier layers still back-propagate. Buckets start strictly in order, so
/// every rank issues the same collectives in the same order. After the walk the rest start, every sum is waited for,
/// and the averages are copied back into the gradients. The step's <see cref="StepVotes"/> ride in the first bucket, so
/// every rank gets the same mean loss (and stops alike when it is not finite) and stops after the same step when any
/// rank was asked to (a signal, the time budget). With one process, a plain backward.
/// </summary>
public sealed class GradientSync
{
    /// <summary>DDP's default bucket_cap_mb (25 MB), and its smaller first bucket (1 MB).</summary>
    public const long DefaultBucketBytes = 25L << 20, FirstBucketBytes = 1L << 20;

    private sealed class Bucket(Tensor[] parameters, int[] offsets, int count)
    {
        public readonly Tensor[] Parameters = parameters;
        public readonly int[] Offsets = offsets;
        /// <summary>The gradients laid end to end, then (first bucket) the votes. Pinned: MPI holds its address.</summary>
        public readonly float[] Buffer = GC.AllocateUninitializedArray<float>(count + VoteSlots, pinned: true);
        public readonly int Count = count;
        public int Ready;
        public IPendingSum? Pending;
    }

    private const int VoteSlots = 3;
    private readonly IProcessGroup _group;
    private readonly Bucket[] _buckets;
    private readonly Dictionary<Tensor, (int Bucket, int Slot)> _where = new(ReferenceEqualityComparer.Instance);
    private int _next;
    private readonly Stopwatch _wait = new();

    public int Size => _group.Size;
    public int BucketCount => _buckets.Length;
    public long Bytes => _buckets.Sum(b => (long)b.Count) * sizeof(float);
    public long Steps { get; private set; }

    /// <summary>Time spent after the backward walk waiting for the sums to finish: the communication the overlap did not hide.</summary>
    public TimeSpan WaitTime => _wait.Elapsed;

    /// <param name="parameters">the trained parameters, in the model's order</param>
    public GradientSync(IEnumerable<Tensor> parameters, IProcessGroup group, long bucketBytes = DefaultBucketBytes)
    {
        _group = group;
        var buckets = new List<Bucket>();
        var members = new List<Tensor>();
        var offsets = new List<int>();
        int count = 0;
        long cap = Math.Min(FirstBucketBytes, bucketBytes);
        void Close()
        {
            if (members.Count == 0) return;
            buckets.Add(new Bucket(members.ToArray(), offsets.ToArray(), count));
            (count, cap) = (0, bucketBytes);
            members.Clear();
            offsets.Clear();
        }
        foreach (var p in parameters.Where(p => p.RequiresGrad).Reverse())
        {
            if (_where.ContainsKey(p)) continue;
            _where[p] = (buckets.Count, members.Count);
            members.Add(p);
            offsets.Add(count);
            count += p.Numel;
            if ((long)count * sizeof(float) >= cap) Close();
        }
        Close();
        _buckets = buckets.ToArray();
    }

    /// <summary>
    /// Back-propagates <paramref name="loss"/> and leaves in every parameter's gradient its mean over the ranks; returns
    /// the votes of all ranks: the mean loss, and whether any rank voted to stop.
    /// </summary>
    /// <param name="local">this rank's loss value and votes</param>
    public StepVotes Backward(Tensor loss, StepVotes local)
    {
        if (_group.Size == 1 || _buckets.Length == 0)
        {
            loss.Backward();
            return local;
        }
        foreach (var b in _buckets) (b.Ready, b.Pending) = (0, null);
        _next = 0;
        var votes = _buckets[0].Buffer.AsSpan(_buckets[0].Count, VoteSlots);
        (votes[0], votes[1], votes[2]) = ((float)local.Loss, local.Stop ? 1 : 0, local.OutOfTime ? 1 : 0);
        loss.Backward(onLeafGradReady: Ready);
        // Parameters the walk did not reach (unused this step) count as zero gradients.
        foreach (var b in _buckets)
            for (int i = 0; b.Ready < b.Parameters.Length && i < b.Parameters.Length; i++) CopyIn(b, i);
        while (_next < _buckets.Length) Launch();
        _wait.Start();
        foreach (var b in _buckets) b.Pending!.Wait();
        _wait.Stop();
        float scale = 1f / _group.Size;
        foreach (var b in _buckets) CopyOut(b, scale);
        Steps++;
        return new StepVotes(votes[0] * (double)scale, votes[1] > 0, votes[2] > 0);
    }

    /// <summary>A parameter's gradient is complete: into its bucket, and start every bucket that is full, in order.</summary>
    private void Ready(Tensor p)
    {
        if (!_where.TryGetValue(p, out var at)) return;
        var b = _buckets[at.Bucket];
        CopyIn(b, at.Slot);
        while (_next < _buckets.Length && _buckets[_next].Ready == _buckets[_next].Parameters.Length) Launch();
        // MPI moves nonblocking collectives along only inside its calls: a poll between layers keeps them going.
        for (int i = 0; i < _next; i++) _buckets[i].Pending!.Poll();
    }

    private void Launch()
    {
        var b = _buckets[_next++];
        b.Pending = _group.StartSum(b.Buffer, b == _buckets[0] ? b.Count + VoteSlots : b.Count);
    }

    /// <summary>The parameters of this step already in their buckets.</summary>
    private readonly HashSet<Tensor> _copied = new(ReferenceEqualityComparer.Instance);

    private void CopyIn(Bucket b, int i)
    {
        var p = b.Parameters[i];
        if (!_copied.Add(p)) return;
        var dst = b.Buffer.AsSpan(b.Offsets[i], p.Numel);
        if (p.Grad == null) dst.Clear();
        else if (p.Grad.IsContiguous) p.Grad.AsSpan().CopyTo(dst);
        else
        {
            using var c = p.Grad.Contiguous();
            c.AsSpan().CopyTo(dst);
        }
        b.Ready++;
    }

    private void CopyOut(Bucket b, float scale)
    {
        using var _ = TensorScope.Suppress();
        for (int i = 0; i < b.Parameters.Length; i++)
        {
            var p = b.Parameters[i];
            _copied.Remove(p);
            var src = b.Buffer.AsSpan(b.Offsets[i], p.Numel);
            // A parameter no rank gave a gradient keeps none, as in one process (the optimizer skips it).
            if (p.Grad == null && !src.ContainsAnyExcept(0f)) continue;
            if (p.Grad == null || !p.Grad.IsContiguous)
            {
                p.Grad?.Dispose();
                p.Grad = Tensor.Empty(p.Shape);
            }
            Primitives.Multiply(src, scale, p.Grad.AsSpan());
        }
    }
}

/// <summary>What each rank says about a step: its loss, whether it was asked to stop (a signal), whether its time budget is spent.</summary>
public readonly record struct StepVotes(double Loss, bool Stop, bool OutOfTime);
