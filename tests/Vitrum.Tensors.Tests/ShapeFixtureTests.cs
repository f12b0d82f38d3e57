using Vitrum.Tensors.Tests.Support;
using Xunit;

namespace Vitrum.Tensors.Tests;

/// <summary>
/// Shape, joining and indexing ops against PyTorch (tests/fixtures/ops/shape.json, made by
/// tools/fixtures/gen_shape.py). An argument "t0": [a, b] transposes input 0 first, so those cases
/// run the op on a non-contiguous view.
/// </summary>
public class ShapeFixtureTests
{
    public static TheoryData<string> Cases() => new(Fixture.Load("shape").Select(c => c.Name));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Shape_op_matches_pytorch_forward_and_backward(string name)
    {
        var c = Fixture.Get("shape", name);
        Func<Tensor[], Tensor> op = c.Op switch
        {
            "cat" => x => Ops.Cat(x, c.IntArg("axis")),
            "stack" => x => Ops.Stack(x, c.IntArg("axis")),
            "split_size" => x => WeightedCat(Ops.Split(x[0], c.IntArg("size"), c.IntArg("axis")), c.IntArg("axis")),
            "split_sizes" => x => WeightedCat(Ops.Split(x[0], c.IntsArg("sizes"), c.IntArg("axis")), c.IntArg("axis")),
            "chunk" => x => WeightedCat(Ops.Chunk(x[0], c.IntArg("chunks"), c.IntArg("axis")), c.IntArg("axis")),
            "pad" => x => Ops.Pad(x[0], c.IntsArg("pads"), Enum.Parse<PadMode>(c.Arg("mode").GetString()!, ignoreCase: true),
                c.HasArg("value") ? (float)c.DoubleArg("value") : 0f),
            "roll" => x => Ops.Roll(x[0], c.IntsArg("shifts"), c.IntsArg("dims")),
            "roll_flat" => x => Ops.Roll(x[0], c.IntArg("shift")),
            "repeat" => x => Ops.Repeat(x[0], c.IntsArg("repeats")),
            "tile" => x => Ops.Tile(x[0], c.IntsArg("dims")),
            "embedding" => x => Ops.Embedding(x[0], x[1], c.HasArg("padding_idx") ? c.IntArg("padding_idx") : null),
            "gather" => x => Ops.Gather(x[0], c.IntArg("axis"), x[1]),
            "index_select" => x => Ops.IndexSelect(x[0], c.IntArg("axis"), x[1]),
            "scatter_add" => x => Ops.ScatterAdd(x[0], c.IntArg("axis"), x[1], x[2]),
            "index_add" => x => Ops.IndexAdd(x[0], c.IntArg("axis"), x[1], x[2]),
            _ => throw new InvalidOperationException($"no mapping for fixture op {c.Op}"),
        };
        Fixture.Check(c, x => op(TransposeFirst(c, x)));
    }

    private static Tensor[] TransposeFirst(FixtureCase c, Tensor[] x)
    {
        if (!c.HasArg("t0")) return x;
        var t = c.IntsArg("t0");
        var res = (Tensor[])x.Clone();
        res[0] = x[0].Transpose(t[0], t[1]);
        Assert.False(res[0].IsContiguous, $"{c.Name}: the transposed input should be a strided view");
        return res;
    }

    /// <summary>Joins the pieces scaled by 1, 2, 3... (as gen_shape.py does), so a wrong count or size of pieces shows.</summary>
    private static Tensor WeightedCat(Tensor[] pieces, int axis) =>
        Ops.Cat(pieces.Select((p, i) => Ops.Mul(p, i + 1f)).ToArray(), axis);
}
