namespace Vitrum.Tensors;

/// <summary>
/// A value per spatial axis (H, W), PyTorch's <c>_size_2_t</c>: kernel sizes, strides, paddings,
/// dilations and output sizes of the 2-d ops. An int converts to the same value on both axes and a
/// tuple converts per axis, so <c>stride: 2</c> and <c>stride: (2, 1)</c> both read naturally.
/// </summary>
public readonly record struct Size2(int H, int W)
{
    public static implicit operator Size2(int both) => new(both, both);
    public static implicit operator Size2((int H, int W) hw) => new(hw.H, hw.W);

    public override string ToString() => $"({H}, {W})";
}
