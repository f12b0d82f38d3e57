namespace Vitrum.Tensors;

/// <summary>How <see cref="Ops.Pad"/> fills the border (torch.nn.functional.pad's modes).</summary>
public enum PadMode
{
    /// <summary>A constant value.</summary>
    Constant,

    /// <summary>Mirror without repeating the edge: [a b c] padded by 2 on the left is [c b a b c].</summary>
    Reflect,

    /// <summary>Repeat the edge element: [a b c] padded by 2 on the left is [a a a b c].</summary>
    Replicate,

    /// <summary>Wrap around: [a b c] padded by 2 on the left is [b c a b c].</summary>
    Circular,
}
