namespace Vitrum.Tensors;

/// <summary>Element types a tensor can hold: float32 for compute, int64 for token ids and indices.</summary>
public enum DType
{
    Float32,
    Int64,
}
