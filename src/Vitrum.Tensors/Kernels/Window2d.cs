namespace Vitrum.Tensors.Kernels;

/// <summary>
/// The geometry of a sliding 2-d window over C planes of H x W: kernel, stride, padding, dilation
/// and the resulting Oh x Ow positions. Shared by convolution, unfold/fold and the pools, which
/// differ only in how the output size is rounded.
/// </summary>
internal readonly record struct Window2d(int C, int H, int W, int Kh, int Kw, int Sh, int Sw, int Ph, int Pw, int Dh, int Dw, int Oh, int Ow)
{
    /// <summary>Number of window positions per plane.</summary>
    public int L => Oh * Ow;

    public int KernelArea => Kh * Kw;

    /// <summary>
    /// Validates the window parameters and computes the output size the way PyTorch does:
    /// floor((H + 2P - D(K-1) - 1) / S) + 1, or with ceil mode the rounded-up count whose last
    /// window still starts inside the input or the left padding.
    /// </summary>
    public static Window2d Create(string op, int[] inputShape, int c, int h, int w,
        Size2 kernel, Size2 stride, Size2 padding, Size2 dilation, bool ceilMode = false)
    {
        string shape = ShapeUtil.Format(inputShape);
        if (kernel.H <= 0 || kernel.W <= 0) throw new ArgumentException($"{op}: kernel size {kernel} must be positive (input {shape})");
        if (stride.H <= 0 || stride.W <= 0) throw new ArgumentException($"{op}: stride {stride} must be positive (input {shape})");
        if (dilation.H <= 0 || dilation.W <= 0) throw new ArgumentException($"{op}: dilation {dilation} must be positive (input {shape})");
        if (padding.H < 0 || padding.W < 0) throw new ArgumentException($"{op}: padding {padding} must not be negative (input {shape})");
        int oh = OutputSize(h, kernel.H, stride.H, padding.H, dilation.H, ceilMode);
        int ow = OutputSize(w, kernel.W, stride.W, padding.W, dilation.W, ceilMode);
        if (oh < 1 || ow < 1)
            throw new ArgumentException(
                $"{op}: kernel {kernel} with dilation {dilation} is larger than the padded input ({h + 2 * padding.H}, {w + 2 * padding.W}) " +
                $"of input {shape} (padding {padding}); the output would be ({oh}, {ow})");
        return new Window2d(c, h, w, kernel.H, kernel.W, stride.H, stride.W, padding.H, padding.W, dilation.H, dilation.W, oh, ow);
    }

    private static int OutputSize(int input, int k, int s, int p, int d, bool ceilMode)
    {
        long span = input + 2L * p - (long)d * (k - 1) - 1;
        if (span < 0) return 0;
        long o = (span + (ceilMode ? s - 1 : 0)) / s + 1;
        // In ceil mode the last window must start inside the input or its left padding (PyTorch's rule).
        if (ceilMode && (o - 1) * s >= input + p) o--;
        return (int)Math.Min(o, int.MaxValue);
    }

    /// <summary>
    /// The output columns [lo, hi) whose input column o*S + offset falls inside [0, extent):
    /// outside that range a window tap reads padding.
    /// </summary>
    public static void ValidRange(int outputs, int offset, int stride, int extent, out int lo, out int hi)
    {
        lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
        int last = extent - 1 - offset;
        hi = last < 0 ? 0 : Math.Min(outputs, last / stride + 1);
        if (lo > hi) lo = hi;
    }
}
