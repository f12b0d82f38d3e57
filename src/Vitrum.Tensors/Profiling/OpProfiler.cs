using Vitrum.Tensors.Autograd;
using Vitrum.Tensors.Kernels;

namespace Vitrum.Tensors;

/// <summary>Time of one op kind ("forward linear", "backward self_attention") per round, and its calls per round.</summary>
public readonly record struct OpTime(string Op, double Ms, double Calls);

/// <summary>
/// Time of one GEMM shape per round: C[M, N] = A[M, K] B[K, N], <paramref name="Batch"/> products per call (attention
/// heads, windows), with its rate. A GEMM that a convolution runs inside its parallel pieces is timed per piece, on the
/// thread that runs it.
/// </summary>
public readonly record struct GemmTime(int M, int N, int K, int Batch, double Ms, double Calls)
{
    public double GFlops => Ms > 0 ? 2.0 * M * N * K * Batch * Calls / (Ms * 1e6) : 0;
}

/// <summary>
/// Where a forward pass or a training step spends its time: each op kind's forward (the time from the previous op's
/// end to this op's, so the glue between ops counts with the op it leads to) and backward (its rule), and every GEMM
/// shape with its GFLOP/s. One profile at a time, process-wide; the hooks cost one null check per op when none runs.
/// Call <see cref="BeginRound"/> before each profiled step; figures are averages per round.
/// </summary>
public sealed class OpProfiler : IDisposable
{
    private static OpProfiler? _active;
    private readonly object _gate = new();
    private readonly Dictionary<string, (double Ms, int Calls)> _ops = new(StringComparer.Ordinal);
    private readonly Dictionary<(int M, int N, int K, int Batch), (double Ms, int Calls)> _gemms = new();
    private int _rounds;

    private OpProfiler() { }

    /// <param name="clock">milliseconds on any origin (default: wall time; benchmarks on a shared machine pass thread CPU time)</param>
    /// <exception cref="InvalidOperationException">another profile is running</exception>
    public static OpProfiler Start(Func<double>? clock = null)
    {
        var p = new OpProfiler();
        if (Interlocked.CompareExchange(ref _active, p, null) != null)
            throw new InvalidOperationException("OpProfiler: another profile is already running in this process");
        ProfileHooks.Clock = clock ?? ProfileHooks.WallMs;
        ProfileHooks.Op = p.AddOp;
        ProfileHooks.Gemm = p.AddGemm;
        return p;
    }

    /// <summary>Starts one profiled step: the next op's forward time counts from now.</summary>
    public void BeginRound()
    {
        _rounds++;
        Engine.ProfileMark();
    }

    /// <summary>Op kinds, slowest first.</summary>
    public IReadOnlyList<OpTime> Ops
    {
        get
        {
            lock (_gate)
                return _ops.Select(kv => new OpTime(kv.Key, kv.Value.Ms / Rounds, kv.Value.Calls / (double)Rounds)).OrderByDescending(o => o.Ms).ToArray();
        }
    }

    /// <summary>GEMM shapes, slowest first.</summary>
    public IReadOnlyList<GemmTime> Gemms
    {
        get
        {
            lock (_gate)
                return _gemms.Select(kv => new GemmTime(kv.Key.M, kv.Key.N, kv.Key.K, kv.Key.Batch, kv.Value.Ms / Rounds, kv.Value.Calls / (double)Rounds))
                    .OrderByDescending(g => g.Ms).ToArray();
        }
    }

    private int Rounds => Math.Max(1, _rounds);

    private void AddOp(string op, double ms)
    {
        lock (_gate)
        {
            var (t, c) = _ops.GetValueOrDefault(op);
            _ops[op] = (t + ms, c + 1);
        }
    }

    private void AddGemm(int m, int n, int k, int batch, double ms)
    {
        lock (_gate)
        {
            var key = (m, n, k, batch);
            var (t, c) = _gemms.GetValueOrDefault(key);
            _gemms[key] = (t + ms, c + 1);
        }
    }

    public void Dispose()
    {
        if (Interlocked.CompareExchange(ref _active, null, this) != this) return;
        ProfileHooks.Op = null;
        ProfileHooks.Gemm = null;
        ProfileHooks.Clock = ProfileHooks.WallMs;
    }
}
