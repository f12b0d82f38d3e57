namespace Vitrum.Tensors;

public sealed partial class Tensor
{
    /// <summary>The elements of a contiguous float32 tensor, writable in place (not recorded by autograd).</summary>
    public Span<float> AsSpan() => Span;

    /// <summary>The elements of a contiguous int64 tensor, writable in place.</summary>
    public Span<long> AsLongSpan() => LongSpan;
}
