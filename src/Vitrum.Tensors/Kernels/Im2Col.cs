using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using Vitrum.Tensors.Threading;

namespace Vitrum.Tensors.Kernels;

/// <summary>
/// im2col and col2im over contiguous planes. A column matrix has one row per (channel, i, j) kernel
/// tap and one column per output position, as torch.nn.functional.unfold; a band of output rows
/// [oy0, oy1) can be produced alone so that a large image never needs its whole column matrix.
/// The patch layout is the transpose, [positions, taps], for kernel == stride windows without
/// padding, where each tap row of a patch is one contiguous run of the input.
/// </summary>
internal static unsafe class Im2Col
{
    /// <summary>Column rows of one plane: cols[(i*Kw + j), (oy - oy0)*Ow + ox] = x[oy*Sh - Ph + i*Dh, ox*Sw - Pw + j*Dw], 0 in the padding.</summary>
    public static void GatherPlane(in Window2d g, float* plane, int oy0, int oy1, float* cols)
    {
        var v = new GatherRows(plane, cols, (oy1 - oy0) * g.Ow, g.Ow, g.Sw);
        VisitTaps(g, oy0, oy1, ref v);
    }

    /// <summary>The adjoint of <see cref="GatherPlane"/>: adds every column entry back onto the input pixel it was read from.</summary>
    public static void ScatterAddPlane(in Window2d g, float* cols, int oy0, int oy1, float* plane)
    {
        var v = new ScatterAddRows(plane, cols, (oy1 - oy0) * g.Ow, g.Ow, g.Sw);
        VisitTaps(g, oy0, oy1, ref v);
    }

    /// <summary>
    /// Visits every (kernel tap, output row) pair of output rows [oy0, oy1) with the input row it reads:
    /// output column ox of the pair meets input element off + ox*Sw of the plane, for ox in [lo, hi)
    /// (outside that range the tap reads the horizontal padding); a row in the vertical padding is
    /// visited with inside = false.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void VisitTaps<TVisitor>(in Window2d g, int oy0, int oy1, ref TVisitor visitor) where TVisitor : struct, ITapVisitor
    {
        for (int i = 0; i < g.Kh; i++)
            for (int j = 0; j < g.Kw; j++)
            {
                int xoff = j * g.Dw - g.Pw;
                Window2d.ValidRange(g.Ow, xoff, g.Sw, g.W, out int lo, out int hi);
                for (int oy = oy0; oy < oy1; oy++)
                {
                    int iy = oy * g.Sh - g.Ph + i * g.Dh;
                    visitor.Visit(i * g.Kw + j, oy - oy0, (uint)iy < (uint)g.H, (long)iy * g.W + xoff, lo, hi);
                }
            }
    }

    /// <summary>Column row (tap, r) = input row, zero in the padding.</summary>
    private readonly struct GatherRows(float* plane, float* cols, int band, int width, int stride) : ITapVisitor
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Visit(int tap, int r, bool inside, long off, int lo, int hi)
        {
            float* row = cols + (long)tap * band + (long)r * width;
            if (!inside)
            {
                new Span<float>(row, width).Clear();
                return;
            }
            float* input = plane + off;
            new Span<float>(row, lo).Clear();
            new Span<float>(row + hi, width - hi).Clear();
            if (stride == 1) new ReadOnlySpan<float>(input + lo, hi - lo).CopyTo(new Span<float>(row + lo, hi - lo));
            else for (int ox = lo; ox < hi; ox++) row[ox] = input[ox * stride];
        }
    }

    /// <summary>Input row += column row (tap, r), padding entries dropped.</summary>
    private readonly struct ScatterAddRows(float* plane, float* cols, int band, int width, int stride) : ITapVisitor
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Visit(int tap, int r, bool inside, long off, int lo, int hi)
        {
            if (!inside) return;
            float* row = cols + (long)tap * band + (long)r * width;
            float* input = plane + off;
            if (stride == 1)
            {
                var d = new Span<float>(input + lo, hi - lo);
                TensorPrimitives.Add(d, new ReadOnlySpan<float>(row + lo, hi - lo), d);
            }
            else for (int ox = lo; ox < hi; ox++) input[ox * stride] += row[ox];
        }
    }

    /// <summary>
    /// One plane's part of the patch layout, patches[(oy - oy0)*Ow + ox, i*Kw + j] = x[oy*Kh + i, ox*Kw + j],
    /// with rows <paramref name="ld"/> apart (the caller offsets <paramref name="patches"/> to the plane's
    /// columns). <paramref name="gather"/> copies plane -> patches; otherwise patches -> plane, which is the
    /// adjoint because patches do not overlap.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void CopyPatchesPlane(in Window2d g, float* plane, float* patches, int ld, int oy0, int oy1, bool gather)
    {
        int bytes = g.Kw * sizeof(float);
        for (int oy = oy0; oy < oy1; oy++)
            for (int i = 0; i < g.Kh; i++)
            {
                float* image = plane + (long)(oy * g.Kh + i) * g.W;
                float* patch = patches + (long)(oy - oy0) * g.Ow * ld + i * g.Kw;
                for (int ox = 0; ox < g.Ow; ox++, image += g.Kw, patch += ld)
                {
                    if (gather) Buffer.MemoryCopy(image, patch, bytes, bytes);
                    else Buffer.MemoryCopy(patch, image, bytes, bytes);
                }
            }
    }
}

/// <summary>What <see cref="Im2Col.VisitTaps{TVisitor}"/> calls for each (kernel tap, output row) pair.</summary>
internal interface ITapVisitor
{
    /// <param name="tap">i * Kw + j</param>
    /// <param name="r">the output row, relative to the first visited one</param>
    /// <param name="inside">false when the input row lies in the vertical padding (off is then meaningless)</param>
    /// <param name="off">plane offset of the input element that output column 0 would read</param>
    /// <param name="lo">first output column whose input lies inside the plane</param>
    /// <param name="hi">one past the last such column</param>
    void Visit(int tap, int r, bool inside, long off, int lo, int hi);
}

/// <summary>The four column transforms.</summary>
internal enum ColumnTransform
{
    Gather,
    ScatterAdd,
    GatherPatches,
    ScatterPatches,
}

/// <summary>
/// Runs one <see cref="ColumnTransform"/> over consecutive planes. Planes are independent (each owns
/// its input plane and its column rows or patch columns), so a job spreads them over the worker pool.
/// </summary>
internal sealed unsafe class ColumnJob : IParallelJob
{
    private Window2d _g;
    private ColumnTransform _kind;
    private float* _planes, _cols;
    private int _oy0, _oy1, _ld;

    /// <summary>
    /// Transforms <paramref name="planeCount"/> planes for output rows [oy0, oy1): on the pool through
    /// <paramref name="job"/>, or inline when it is null (the caller is itself one piece of a parallel
    /// kernel) or the transform is too small to be worth waking the pool.
    /// </summary>
    public static void Run(ColumnJob? job, in Window2d g, ColumnTransform kind, float* planes, float* cols,
        int planeCount, int oy0, int oy1, int ld = 0)
    {
        if (job == null || (long)planeCount * g.KernelArea * (oy1 - oy0) * g.Ow < PlaneJob.MinParallelWork)
        {
            for (int c = 0; c < planeCount; c++) Transform(g, kind, planes, cols, c, oy0, oy1, ld);
            return;
        }
        job._g = g;
        job._kind = kind;
        job._planes = planes;
        job._cols = cols;
        job._oy0 = oy0;
        job._oy1 = oy1;
        job._ld = ld;
        WorkerPool.For(planeCount, job);
    }

    public void Execute(int c) => Transform(_g, _kind, _planes, _cols, c, _oy0, _oy1, _ld);

    private static void Transform(in Window2d g, ColumnTransform kind, float* planes, float* cols, int c, int oy0, int oy1, int ld)
    {
        float* plane = planes + (long)c * g.H * g.W;
        long rows = (long)c * g.KernelArea;
        long band = (long)(oy1 - oy0) * g.Ow;
        switch (kind)
        {
            case ColumnTransform.Gather: Im2Col.GatherPlane(g, plane, oy0, oy1, cols + rows * band); break;
            case ColumnTransform.ScatterAdd: Im2Col.ScatterAddPlane(g, cols + rows * band, oy0, oy1, plane); break;
            case ColumnTransform.GatherPatches: Im2Col.CopyPatchesPlane(g, plane, cols + rows, ld, oy0, oy1, gather: true); break;
            default: Im2Col.CopyPatchesPlane(g, plane, cols + rows, ld, oy0, oy1, gather: false); break;
        }
    }
}
