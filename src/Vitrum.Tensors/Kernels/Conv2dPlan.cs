using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Vitrum.Tensors.Memory;
using Vitrum.Tensors.Threading;

namespace Vitrum.Tensors.Kernels;

/// <summary>How a convolution is computed: the right-hand GEMM operand it builds, or a direct kernel.</summary>
internal enum ConvPath
{
    /// <summary>General im2col: a [Kg, L] column matrix per band of output rows.</summary>
    Columns,

    /// <summary>1x1, stride 1, no padding: the input group [Cig, H*W] is already the operand.</summary>
    Pointwise,

    /// <summary>Kernel == stride, no padding, no dilation (patch embedding): non-overlapping patches copied as runs into [L, Kg].</summary>
    Patches,

    /// <summary>One input and one output channel per group: direct convolution, no operand at all (<see cref="DepthwiseConv"/>).</summary>
    Depthwise,
}

/// <summary>How the (image, group) units of a convolution are spread over the worker pool.</summary>
internal enum ConvSchedule
{
    /// <summary>Units in turn; each GEMM and im2col uses the pool itself.</summary>
    Serial,

    /// <summary>Forward: units claimed in parallel, each running its GEMMs inline.</summary>
    Units,

    /// <summary>Forward of one large unit: its bands of output claimed in parallel, each running its im2col and GEMM inline.</summary>
    Bands,

    /// <summary>Backward: contiguous lanes of images, each with its own weight-gradient accumulator.</summary>
    ImageLanes,

    /// <summary>Backward of one image: one group per piece (the groups' weight gradients are disjoint).</summary>
    Groups,
}

/// <summary>
/// Conv2d as GEMMs, one (image, group) unit at a time:
/// Y[n, g] [Cog, L] = W[g] [Cog, Kg] @ cols(x[n, g]) [Kg, L], with Kg = Cig * Kh * Kw.
/// Backward: dW[g] += dY[n, g] @ cols^T and dcols = W[g]^T @ dY[n, g] folded back onto dx (col2im);
/// every transpose is a choice of strides for <see cref="Gemm.Sgemm"/>. Depthwise units skip the
/// GEMMs for a direct kernel (see <see cref="ConvPath"/>). Units run in parallel when
/// one GEMM is too small to occupy the pool; a large unit alone (an image at batch 1) runs its bands
/// of output in parallel in the forward pass; otherwise units run in turn and each GEMM (and each
/// im2col, split by channel) uses the pool itself.
/// </summary>
internal sealed unsafe partial class Conv2dPlan
{
    // Column scratch per band of output rows, in floats: bounds the memory of large images (a 7x7
    // stem conv over 800x1066 would need a 125 MB column matrix at once) and keeps a band in cache.
    public const int DefaultBandFloats = 1 << 20;

    // Below this many flops per unit a GEMM cannot keep two threads busy; units run in parallel instead.
    private const long SmallUnitFlops = 1 << 22;

    public readonly Window2d G;
    public readonly int Groups, Cout, Cog, Cig, Kg, BandRows;
    public readonly ConvPath Path;

    /// <param name="bandFloats">Column scratch per band (tests lower it to exercise banding on small images).</param>
    public Conv2dPlan(in Window2d g, int cout, int groups, int bandFloats = DefaultBandFloats)
    {
        G = g;
        Groups = groups;
        Cout = cout;
        Cog = cout / groups;
        Cig = g.C / groups;
        Kg = Cig * g.KernelArea;
        Path = Cig == 1 && Cog == 1 ? ConvPath.Depthwise
            : g is { Kh: 1, Kw: 1, Sh: 1, Sw: 1, Ph: 0, Pw: 0 } ? ConvPath.Pointwise
            : g.Kh == g.Sh && g.Kw == g.Sw && g is { Ph: 0, Pw: 0, Dh: 1, Dw: 1 } ? ConvPath.Patches
            : ConvPath.Columns;
        BandRows = (int)Math.Clamp(bandFloats / Math.Max(1L, (long)Kg * g.Ow), 1, g.Oh);
    }

    private long UnitFlops => 2L * Cog * Kg * G.L;

    private bool ParallelUnits(int units) =>
        WorkerPool.ThreadCount > 1 && units >= 2 && units * UnitFlops >= PlaneJob.MinParallelWork
        && (UnitFlops < SmallUnitFlops || units >= WorkerPool.ThreadCount);

    public ConvSchedule BackwardSchedule(int batch) =>
        !ParallelUnits(batch * Groups) ? ConvSchedule.Serial : batch >= 2 ? ConvSchedule.ImageLanes : ConvSchedule.Groups;

    private int ColumnFloats => Path is ConvPath.Pointwise or ConvPath.Depthwise ? 0 : Kg * BandRows * G.Ow;

    /// <summary>
    /// Gradients of x, w and bias from dy [N, Cout, Oh, Ow]; a null target is skipped. dw must be zeroed
    /// by the caller (units accumulate into it); dx and db are overwritten.
    /// </summary>
    public void Backward(float* x, float* w, float* gy, float* dx, float* dw, float* db, int batch)
    {
        if (db != null) BiasGradient(gy, db, batch);
        if (dx == null && dw == null) return;
        var job = new BackwardJob(this, x, w, gy, dx, dw, batch);
        switch (BackwardSchedule(batch))
        {
            case ConvSchedule.Serial:
                job.Columns = new ColumnJob();
                job.Execute(0);
                break;
            case ConvSchedule.ImageLanes:
                // The images of all lanes add into the same dW, so each lane but the first
                // accumulates into a private copy that is summed in afterwards.
                job.Lanes = Math.Min(WorkerPool.ThreadCount, batch);
                if (dw != null) job.AllocatePartials();
                WorkerPool.For(job.Lanes, job);
                job.ReducePartials();
                break;
            default:
                job.ByGroup = true;
                WorkerPool.For(Groups, job);
                break;
        }
    }

    private void BiasGradient(float* gy, float* db, int batch)
    {
        int l = G.L;
        for (int co = 0; co < Cout; co++)
        {
            double s = 0;
            for (int n = 0; n < batch; n++) s += TensorPrimitives.Sum(new ReadOnlySpan<float>(gy + ((long)n * Cout + co) * l, l));
            db[co] = (float)s;
        }
    }

    private static float* Pin(float[] pooled) => (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pooled));

    private float* InputGroup(float* x, int n, int grp) => x + ((long)n * G.C + (long)grp * Cig) * G.H * G.W;

    private float* OutputGroup(float* y, int n, int grp) => y + ((long)n * Cout + (long)grp * Cog) * G.L;

    /// <summary>
    /// One piece of the backward pass: everything (serial), one group over all images (by group), or
    /// one lane of images over all groups (lanes).
    /// </summary>
    private sealed class BackwardJob : IParallelJob
    {
        private readonly Conv2dPlan _p;
        private readonly float* _x, _w, _gy, _dx, _dw;
        private readonly int _batch;
        private float[]?[] _partials = Array.Empty<float[]?>();
        public ColumnJob? Columns;
        public int Lanes;
        public bool ByGroup;

        public BackwardJob(Conv2dPlan p, float* x, float* w, float* gy, float* dx, float* dw, int batch)
        {
            _p = p; _x = x; _w = w; _gy = gy; _dx = dx; _dw = dw; _batch = batch;
        }

        private int WeightFloats => _p.Cout * _p.Kg;

        public void AllocatePartials()
        {
            _partials = new float[]?[Lanes];
            for (int i = 1; i < Lanes; i++)
            {
                _partials[i] = BufferPool.RentFloat(WeightFloats);
                _partials[i].AsSpan(0, WeightFloats).Clear();
            }
        }

        public void ReducePartials()
        {
            var dw = new Span<float>(_dw, WeightFloats);
            for (int i = 1; i < _partials.Length; i++)
            {
                var part = _partials[i]!;
                TensorPrimitives.Add(dw, part.AsSpan(0, WeightFloats), dw);
                BufferPool.Return(part);
            }
        }

        public void Execute(int piece)
        {
            var p = _p;
            int n0 = 0, n1 = _batch, g0 = 0, g1 = p.Groups;
            float* dw = _dw;
            if (ByGroup) (g0, g1) = (piece, piece + 1);
            else if (Lanes > 0)
            {
                n0 = (int)((long)_batch * piece / Lanes);
                n1 = (int)((long)_batch * (piece + 1) / Lanes);
                if (piece > 0 && dw != null) dw = Pin(_partials[piece]!);
            }
            int floats = p.ColumnFloats;
            float[]? colScratch = floats > 0 ? BufferPool.RentFloat(floats) : null;
            float[]? gradScratch = floats > 0 && _dx != null ? BufferPool.RentFloat(floats) : null;
            float* cols = colScratch != null ? Pin(colScratch) : null;
            float* dcols = gradScratch != null ? Pin(gradScratch) : null;
            for (int n = n0; n < n1; n++)
                for (int grp = g0; grp < g1; grp++)
                    Unit(n, grp, dw, cols, dcols);
            if (colScratch != null) BufferPool.Return(colScratch);
            if (gradScratch != null) BufferPool.Return(gradScratch);
        }

        private void Unit(int n, int grp, float* dw, float* cols, float* dcols)
        {
            var p = _p;
            int l = p.G.L, ow = p.G.Ow, cog = p.Cog, kg = p.Kg;
            float* xg = p.InputGroup(_x, n, grp);
            float* gyg = p.OutputGroup(_gy, n, grp);
            float* wg = _w + (long)grp * cog * kg;
            float* dwg = dw != null ? dw + (long)grp * cog * kg : null;
            float* dxg = _dx != null ? p.InputGroup(_dx, n, grp) : null;
            if (p.Path == ConvPath.Depthwise)
            {
                if (dxg != null) new Span<float>(dxg, p.G.H * p.G.W).Clear();
                DepthwiseConv.BackwardPlane(p.G, xg, wg, gyg, dxg, dwg);
                return;
            }
            if (p.Path == ConvPath.Pointwise)
            {
                if (dwg != null) Gemm.Sgemm(cog, kg, l, gyg, l, 1, xg, 1, l, dwg, kg, true);
                if (dxg != null) Gemm.Sgemm(kg, l, cog, wg, 1, kg, gyg, l, 1, dxg, l, false);
                return;
            }
            var g = p.G;
            bool patches = p.Path == ConvPath.Patches;
            // col2im adds into dx; patches overwrite it but may leave a right or bottom margin untouched.
            if (dxg != null && (!patches || g.Oh * g.Kh != g.H || g.Ow * g.Kw != g.W))
                new Span<float>(dxg, p.Cig * g.H * g.W).Clear();
            for (int oy0 = 0; oy0 < g.Oh; oy0 += p.BandRows)
            {
                int oy1 = Math.Min(g.Oh, oy0 + p.BandRows), bl = (oy1 - oy0) * ow;
                float* gb = gyg + oy0 * ow;
                if (patches)
                {
                    if (dwg != null)
                    {
                        ColumnJob.Run(Columns, g, ColumnTransform.GatherPatches, xg, cols, p.Cig, oy0, oy1, kg);
                        Gemm.Sgemm(cog, kg, bl, gb, l, 1, cols, kg, 1, dwg, kg, true);
                    }
                    if (dxg != null)
                    {
                        Gemm.Sgemm(bl, kg, cog, gb, 1, l, wg, kg, 1, dcols, kg, false);
                        ColumnJob.Run(Columns, g, ColumnTransform.ScatterPatches, dxg, dcols, p.Cig, oy0, oy1, kg);
                    }
                    continue;
                }
                if (dwg != null)
                {
                    ColumnJob.Run(Columns, g, ColumnTransform.Gather, xg, cols, p.Cig, oy0, oy1);
                    Gemm.Sgemm(cog, kg, bl, gb, l, 1, cols, 1, bl, dwg, kg, true);
                }
                if (dxg != null)
                {
                    Gemm.Sgemm(kg, bl, cog, wg, 1, kg, gb, l, 1, dcols, bl, false);
                    ColumnJob.Run(Columns, g, ColumnTransform.ScatterAdd, dxg, dcols, p.Cig, oy0, oy1);
                }
            }
        }
    }
}
