using Vitrum.Tensors;
using Vitrum.Tensors.Memory;

namespace Vitrum.Nn.IO;

/// <summary>
/// Checkpoint averaging as in "Attention Is All You Need" (section 6.1: the base models average the last 5
/// checkpoints): the element-wise mean of several weight files of one model, key by key. What fairseq's
/// average_checkpoints.py does, as a pure function over files.
/// </summary>
public static class CheckpointAverage
{
    /// <summary>
    /// The mean of the float tensors of <paramref name="paths"/> (integer tensors, e.g. counters, are taken
    /// from the last file). Every file must hold the same keys with the same shapes and types.
    /// </summary>
    /// <exception cref="ArgumentException">no file, or a file whose keys, shapes or types differ from the first's (named)</exception>
    public static Dictionary<string, Tensor> Average(IReadOnlyList<string> paths)
    {
        if (paths.Count == 0) throw new ArgumentException("CheckpointAverage: no weight files to average");
        Dictionary<string, float[]>? sums = null;
        Dictionary<string, Tensor> last = new(StringComparer.Ordinal);
        Dictionary<string, int[]> shapes = new(StringComparer.Ordinal);
        foreach (var path in paths)
        {
            using var scope = new TensorScope();
            var state = StateDictFile.Load(path);
            if (sums == null)
            {
                sums = new Dictionary<string, float[]>(StringComparer.Ordinal);
                foreach (var (k, t) in state)
                {
                    shapes[k] = t.Shape.ToArray();
                    if (t.DType == DType.Float32) sums[k] = new float[t.Numel];
                }
            }
            else
            {
                var missing = shapes.Keys.Where(k => !state.ContainsKey(k)).Concat(state.Keys.Where(k => !shapes.ContainsKey(k))).ToList();
                if (missing.Count > 0)
                    throw new ArgumentException($"{path}: keys differ from {paths[0]}'s ({string.Join(", ", missing.Take(5))}{(missing.Count > 5 ? ", ..." : "")})");
            }
            foreach (var (k, t) in state)
            {
                if (!ShapeUtil.SameShape(shapes[k], t.Shape) || (t.DType == DType.Float32) != sums.ContainsKey(k))
                    throw new ArgumentException($"{path}: {k} is {t.DType} {ShapeUtil.Format(t.Shape)}, but {(sums.ContainsKey(k) ? DType.Float32 : DType.Int64)} {ShapeUtil.Format(shapes[k])} in {paths[0]}");
                if (t.DType == DType.Float32)
                    System.Numerics.Tensors.TensorPrimitives.Add(sums[k], t.Contiguous().AsSpan(), sums[k]);
                else last[k] = Tensor.FromLongs(t.Contiguous().ToLongArray(), t.Shape.ToArray());
            }
        }
        var result = new Dictionary<string, Tensor>(last, StringComparer.Ordinal);
        foreach (var (k, sum) in sums!)
        {
            System.Numerics.Tensors.TensorPrimitives.Multiply(sum, 1f / paths.Count, sum);
            result[k] = Tensor.FromArray(sum, shapes[k]);
        }
        return result;
    }
}
