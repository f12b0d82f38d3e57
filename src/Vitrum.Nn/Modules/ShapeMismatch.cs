using Vitrum.Tensors;

namespace Vitrum.Nn;

/// <summary>A key and the two shapes of a tensor a checkpoint holds with another shape than the model.</summary>
public sealed record ShapeMismatch(string Key, int[] Checkpoint, int[] Model)
{
    public override string ToString() => $"{Key}: checkpoint {ShapeUtil.Format(Checkpoint)} vs model {ShapeUtil.Format(Model)}";
}
