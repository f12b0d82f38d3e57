using Vitrum.Tensors.Memory;
using Vitrum.Tensors.Threading;

namespace Vitrum.Tensors.Kernels;

/// <summary>The forward pass of <see cref="Conv2dPlan"/>: one (image, group) unit per piece, its epilogue fused.</summary>
internal sealed unsafe partial class Conv2dPlan
{
    // Pointwise outputs are computed in chunks of columns of about this many floats when a relu follows, so each
    // chunk is still in L2 when the relu passes over it.
    private const int EpilogueChunkFloats = 1 << 17;

    /// <summary>Rows of a [rows, cols] block of output, <paramref name="ld"/> apart, through relu in place.</summary>
    private static void ReluRows(float* y, int rows, int cols, long ld)
    {
        for (int r = 0; r < rows; r++) Elementwise.Unary<ReluOp>(y + r * ld, y + r * ld, cols);
    }

    private sealed class ForwardJob : IParallelJob
    {
        private readonly Conv2dPlan _p;
        private readonly float* _x, _w, _bias, _y, _residual;
        private readonly bool _relu;
        public ColumnJob? Columns;

        public ForwardJob(Conv2dPlan p, float* x, float* w, float* bias, float* y, float* residual, bool relu)
        {
            _p = p; _x = x; _w = w; _bias = bias; _y = y; _residual = residual; _relu = relu;
        }

        /// <summary>Fills the unit's output with the bias (+ residual) the GEMMs accumulate onto; false when it starts from zero.</summary>
        private bool Initialize(float* yg, float* rg, int grp)
        {
            var p = _p;
            int l = p.G.L;
            for (int co = 0; co < p.Cog; co++)
            {
                float* row = yg + (long)co * l;
                if (rg == null)
                {
                    if (_bias != null) new Span<float>(row, l).Fill(_bias[grp * p.Cog + co]);
                }
                else if (_bias != null) Elementwise.Binary<AddOp>(rg + (long)co * l, 1, _bias + grp * p.Cog + co, 0, row, l);
                else new ReadOnlySpan<float>(rg + (long)co * l, l).CopyTo(new Span<float>(row, l));
            }
            return _bias != null || rg != null;
        }

        public void Execute(int unit)
        {
            var p = _p;
            int n = unit / p.Groups, grp = unit % p.Groups, l = p.G.L, ow = p.G.Ow;
            float* xg = p.InputGroup(_x, n, grp);
            float* yg = p.OutputGroup(_y, n, grp);
            float* wg = _w + (long)grp * p.Cog * p.Kg;
            float* rg = _residual == null ? null : p.OutputGroup(_residual, n, grp);
            if (p.Path == ConvPath.Depthwise)
            {
                DepthwiseConv.ForwardPlane(p.G, xg, wg, _bias != null ? _bias[grp] : 0f, yg);
                if (rg != null) Elementwise.Binary<AddOp>(yg, 1, rg, 1, yg, l);
                if (_relu) ReluRows(yg, 1, l, l);
                return;
            }
            bool acc = Initialize(yg, rg, grp);
            if (p.Path == ConvPath.Pointwise)
            {
                int chunk = _relu ? Math.Max(GemmDriver.NC, EpilogueChunkFloats / p.Cog) : l;
                for (int c0 = 0; c0 < l; c0 += chunk)
                {
                    int width = Math.Min(chunk, l - c0);
                    Gemm.Sgemm(p.Cog, width, p.Kg, wg, p.Kg, 1, xg + c0, l, 1, yg + c0, l, acc);
                    if (_relu) ReluRows(yg + c0, p.Cog, width, l);
                }
                return;
            }
            var scratch = BufferPool.RentFloat(p.ColumnFloats);
            float* cols = Pin(scratch);
            for (int oy0 = 0; oy0 < p.G.Oh; oy0 += p.BandRows)
            {
                int oy1 = Math.Min(p.G.Oh, oy0 + p.BandRows), bl = (oy1 - oy0) * ow;
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
            BufferPool.Return(scratch);
        }
    }
}
