using Vitrum.Tensors.Memory;
using Vitrum.Tensors.Threading;

namespace Vitrum.Tensors.Kernels;

/// <summary>
/// The forward pass of <see cref="Conv2dPlan"/>, its epilogue fused: a unit's output is computed band by band (rows of
/// output for im2col and patches, chunks of columns for pointwise convolutions), each band initialised with the bias
/// (and residual), multiplied, and passed through the relu while it is in cache.
/// </summary>
internal sealed unsafe partial class Conv2dPlan
{
    // Pointwise outputs are computed in chunks of columns of about this many floats when a relu follows or bands run
    // in parallel, so each chunk is still in L2 when the relu passes over it.
    private const int EpilogueChunkFloats = 1 << 17;

    // Bands in parallel only with this many per thread, so that a thread slowed by other work hands its share over.
    private const int BandsPerThread = 4;

    // Bands split finer for parallel work stay at least this many output columns wide: 8 GEMM panels.
    private const int MinBandColumns = 256;

    /// <summary>Output columns of a pointwise chunk: L2-sized, or a share of the image when that gives each thread several.</summary>
    private int PointwiseColumns(int threads)
    {
        int columns = Math.Max(GemmDriver.NC, EpilogueChunkFloats / Cog);
        if (threads > 1 && G.L < BandsPerThread * threads * columns)
            columns = Math.Max(MinBandColumns, GemmDriver.CeilDiv(G.L, BandsPerThread * threads));
        return columns;
    }

    /// <summary>Output rows of an im2col or patch band: the scratch's size, or a share of the image when that gives each thread several.</summary>
    private int ForwardBandRows(int threads)
    {
        int rows = BandRows;
        if (threads > 1 && G.Oh < BandsPerThread * threads * rows)
            rows = Math.Min(rows, Math.Max(GemmDriver.CeilDiv(MinBandColumns, G.Ow), GemmDriver.CeilDiv(G.Oh, BandsPerThread * threads)));
        return rows;
    }

    /// <summary>Bands of one unit's output when <paramref name="threads"/> share it.</summary>
    private int BandCount(int threads) => Path switch
    {
        ConvPath.Pointwise => GemmDriver.CeilDiv(G.L, PointwiseColumns(threads)),
        ConvPath.Depthwise => 1,
        _ => GemmDriver.CeilDiv(G.Oh, ForwardBandRows(threads)),
    };

    /// <summary>
    /// Units in parallel when they are many or small; else, when one unit has bands enough for every thread (a large
    /// image at batch 1: DETR's 800 x 1066), its bands in parallel, each thread running its own im2col and GEMM inline,
    /// so the columns a thread gathers are multiplied by the same thread from its own cache and a convolution meets the
    /// pool once, not once per band and GEMM; else units in turn, each GEMM using the pool itself.
    /// </summary>
    public ConvSchedule ForwardSchedule(int batch) =>
        ParallelUnits(batch * Groups) ? ConvSchedule.Units
        : WorkerPool.ThreadCount > 1 && batch * Groups * BandCount(WorkerPool.ThreadCount) >= BandsPerThread * WorkerPool.ThreadCount ? ConvSchedule.Bands
        : ConvSchedule.Serial;

    /// <summary>
    /// y [N, Cout, Oh, Ow] = conv(x [N, Cin, H, W], w [Cout, Cig, Kh, Kw]) + bias (+ residual), then relu when asked;
    /// bias and residual [N, Cout, Oh, Ow] may be null. The residual initialises the output the GEMMs accumulate
    /// onto, and the relu runs on each band of output right after its GEMM, while the band is in cache.
    /// </summary>
    public void Forward(float* x, float* w, float* bias, float* y, int batch, float* residual = null, bool relu = false)
    {
        var job = new ForwardJob(this, x, w, bias, y, residual, relu) { Columns1x1 = PointwiseColumns(1), Rows = BandRows };
        int units = batch * Groups;
        switch (ForwardSchedule(batch))
        {
            case ConvSchedule.Units:
                WorkerPool.For(units, job);
                break;
            case ConvSchedule.Bands:
                job.BandsPerUnit = BandCount(WorkerPool.ThreadCount);
                (job.Columns1x1, job.Rows) = (PointwiseColumns(WorkerPool.ThreadCount), ForwardBandRows(WorkerPool.ThreadCount));
                WorkerPool.For(units * job.BandsPerUnit, job);
                break;
            default:
                job.Columns = new ColumnJob();
                for (int u = 0; u < units; u++) job.Execute(u);
                break;
        }
    }

    /// <summary>Rows of a [rows, cols] block of output, <paramref name="ld"/> apart, through relu in place.</summary>
    private static void ReluRows(float* y, int rows, int cols, long ld)
    {
        for (int r = 0; r < rows; r++) Elementwise.Unary<ReluOp>(y + r * ld, y + r * ld, cols);
    }

    /// <summary>A whole unit per piece, or (with <see cref="BandsPerUnit"/>) one band of a unit per piece.</summary>
    private sealed class ForwardJob : IParallelJob
    {
        private readonly Conv2dPlan _p;
        private readonly float* _x, _w, _bias, _y, _residual;
        private readonly bool _relu;
        public ColumnJob? Columns;
        public int BandsPerUnit;

        /// <summary>Output columns of a pointwise chunk and output rows of an im2col or patch band.</summary>
        public int Columns1x1, Rows;

        public ForwardJob(Conv2dPlan p, float* x, float* w, float* bias, float* y, float* residual, bool relu)
        {
            _p = p; _x = x; _w = w; _bias = bias; _y = y; _residual = residual; _relu = relu;
        }

        public void Execute(int piece)
        {
            var p = _p;
            int unit = BandsPerUnit > 0 ? piece / BandsPerUnit : piece;
            int n = unit / p.Groups, grp = unit % p.Groups, l = p.G.L;
            float* xg = p.InputGroup(_x, n, grp), yg = p.OutputGroup(_y, n, grp), wg = _w + (long)grp * p.Cog * p.Kg;
            float* rg = _residual == null ? null : p.OutputGroup(_residual, n, grp);
            if (p.Path == ConvPath.Depthwise)
            {
                DepthwiseConv.ForwardPlane(p.G, xg, wg, _bias != null ? _bias[grp] : 0f, yg);
                if (rg != null) Elementwise.Binary<AddOp>(yg, 1, rg, 1, yg, l);
                if (_relu) ReluRows(yg, 1, l, l);
                return;
            }
            if (p.Path == ConvPath.Pointwise)
            {
                // A whole unit without relu is one GEMM; chunks otherwise.
                int chunk = BandsPerUnit > 0 || _relu ? Columns1x1 : l;
                int first = BandsPerUnit > 0 ? piece % BandsPerUnit : 0, last = BandsPerUnit > 0 ? first + 1 : GemmDriver.CeilDiv(l, chunk);
                for (int c = first; c < last; c++)
                {
                    int c0 = c * chunk, width = Math.Min(chunk, l - c0);
                    bool acc = Initialize(yg, rg, grp, c0, width);
                    Gemm.Sgemm(p.Cog, width, p.Kg, wg, p.Kg, 1, xg + c0, l, 1, yg + c0, l, acc);
                    if (_relu) ReluRows(yg + c0, p.Cog, width, l);
                }
                return;
            }
            var scratch = BufferPool.RentFloat(p.ColumnFloats);
            float* cols = Pin(scratch);
            int bands = GemmDriver.CeilDiv(p.G.Oh, Rows);
            int from = BandsPerUnit > 0 ? piece % BandsPerUnit : 0, to = BandsPerUnit > 0 ? from + 1 : bands;
            for (int b = from; b < to; b++) Band(xg, yg, wg, rg, grp, cols, b * Rows);
            BufferPool.Return(scratch);
        }

        /// <summary>Output rows [oy0, oy0 + BandRows) of an im2col or patch unit: columns, GEMM, epilogue.</summary>
        private void Band(float* xg, float* yg, float* wg, float* rg, int grp, float* cols, int oy0)
        {
            var p = _p;
            int l = p.G.L, ow = p.G.Ow, oy1 = Math.Min(p.G.Oh, oy0 + Rows), bl = (oy1 - oy0) * ow;
            bool acc = Initialize(yg, rg, grp, oy0 * ow, bl);
            if (p.Path == ConvPath.Patches)
            {
                ColumnJob.Run(Columns, p.G, ColumnTransform.GatherPatches, xg, cols, p.Cig, oy0, oy1, p.Kg);
                Gemm.Sgemm(p.Cog, bl, p.Kg, wg, p.Kg, 1, cols, 1, p.Kg, yg + oy0 * ow, l, acc);
            }
            else
            {
                ColumnJob.Run(Columns, p.G, ColumnTransform.Gather, xg, cols, p.Cig, oy0, oy1);
                Gemm.Sgemm(p.Cog, bl, p.Kg, wg, p.Kg, 1, cols, bl, 1, yg + oy0 * ow, l, acc);
            }
            if (_relu) ReluRows(yg + oy0 * ow, p.Cog, bl, l);
        }

        /// <summary>
        /// Fills output columns [c0, c0 + width) of every channel of the unit with the bias (+ residual) the GEMM
        /// accumulates onto; false when nothing is to be added, so the GEMM overwrites them.
        /// </summary>
        private bool Initialize(float* yg, float* rg, int grp, int c0, int width)
        {
            var p = _p;
            long l = p.G.L;
            for (int co = 0; co < p.Cog; co++)
            {
                float* row = yg + co * l + c0;
                if (rg == null)
                {
                    if (_bias != null) new Span<float>(row, width).Fill(_bias[grp * p.Cog + co]);
                }
                else if (_bias != null) Elementwise.Binary<AddOp>(rg + co * l + c0, 1, _bias + grp * p.Cog + co, 0, row, width);
                else new ReadOnlySpan<float>(rg + co * l + c0, width).CopyTo(new Span<float>(row, width));
            }
            return _bias != null || rg != null;
        }
    }
}
