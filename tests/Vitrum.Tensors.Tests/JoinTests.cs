using Vitrum.Tensors.Tests.Support;
using Xunit;

namespace Vitrum.Tensors.Tests;

public class JoinTests
{
    private static Tensor Seq(params int[] shape) =>
        Tensor.FromArray(Enumerable.Range(0, (int)ShapeUtil.Numel(shape)).Select(i => (float)i).ToArray(), shape);

    private static Tensor LongSeq(params int[] shape) =>
        Tensor.FromLongs(Enumerable.Range(0, (int)ShapeUtil.Numel(shape)).Select(i => (long)i).ToArray(), shape);

    [Fact]
    public void Cat_joins_along_the_axis_in_order()
    {
        var o = Ops.Cat([Seq(2, 2), Seq(2, 1)], 1);
        Assert.Equal(new[] { 2, 3 }, o.Shape);
        Assert.Equal(new float[] { 0, 1, 0, 2, 3, 1 }, o.ToArray());
    }

    [Fact]
    public void Cat_gradients_match_finite_differences()
    {
        GradCheck.Check(x => Ops.Cat([x[0], x[1], x[2]], 1), [GradCheck.Rand(1, 2, 3, 4), GradCheck.Rand(2, 2, 1, 4), GradCheck.Rand(3, 2, 2, 4)]);
        GradCheck.Check(x => Ops.Cat([x[0].T, x[1]], -1), [GradCheck.Rand(4, 5, 3), GradCheck.Rand(5, 3, 2)]);
        GradCheck.Check(x => Ops.Cat([x[0], x[1], x[0]], 0), [GradCheck.Rand(6, 2, 3), GradCheck.Rand(7, 1, 3)]);
    }

    [Fact]
    public void Stack_adds_a_new_axis_and_its_gradients_match_finite_differences()
    {
        var o = Ops.Stack([Seq(2, 3), Seq(2, 3)], -1);
        Assert.Equal(new[] { 2, 3, 2 }, o.Shape);
        Assert.Equal(4f, o.At(1, 1, 1));
        GradCheck.Check(x => Ops.Stack([x[0], x[1].T], 1), [GradCheck.Rand(8, 3, 2), GradCheck.Rand(9, 2, 3)]);
        GradCheck.Check(x => Ops.Stack([x[0], x[1], x[0]], 0), [GradCheck.Rand(10, 4), GradCheck.Rand(11, 4)]);
    }

    [Fact]
    public void Cat_and_stack_join_int64_tensors()
    {
        var c = Ops.Cat([LongSeq(2, 2), LongSeq(1, 2).T.Contiguous().T], 0);
        Assert.Equal(DType.Int64, c.DType);
        Assert.Equal(new long[] { 0, 1, 2, 3, 0, 1 }, c.ToLongArray());
        var s = Ops.Stack([LongSeq(3), LongSeq(3)], 1);
        Assert.Equal(new long[] { 0, 0, 1, 1, 2, 2 }, s.ToLongArray());
    }

    [Fact]
    public void Split_and_chunk_return_views_that_share_storage()
    {
        var x = Seq(7, 2);
        var parts = Ops.Split(x, 3);
        Assert.Equal(new[] { 3, 3, 1 }, parts.Select(p => p.Shape[0]));
        Assert.All(parts, p => Assert.True(p.SharesStorageWith(x)));
        Assert.Equal(new float[] { 12, 13 }, parts[2].ToArray());
        var sized = Ops.Split(x, [2, 0, 5], 0);
        Assert.Equal(new[] { 2, 0, 5 }, sized.Select(p => p.Shape[0]));
        Assert.Equal(new float[] { 4, 5 }, sized[2].Select(0, 0).ToArray());
        var chunks = Ops.Chunk(Seq(2, 6), 4, -1);
        Assert.Equal(new[] { 2, 2, 2 }, chunks.Select(p => p.Shape[1]));
        Assert.All(chunks, p => Assert.False(p.IsContiguous));
    }

    [Fact]
    public void Chunk_of_an_empty_dim_gives_the_requested_number_of_empty_chunks()
    {
        var chunks = Ops.Chunk(Tensor.Zeros(0, 3), 3);
        Assert.Equal(3, chunks.Length);
        Assert.All(chunks, p => Assert.Equal(new[] { 0, 3 }, p.Shape));
        Assert.Single(Ops.Split(Tensor.Zeros(0, 3), 0));
    }

    [Fact]
    public void Split_gradients_match_finite_differences()
    {
        GradCheck.Check(x => Ops.Cat(Ops.Split(x[0], [1, 3], 1).Reverse().ToArray(), 1), [GradCheck.Rand(12, 3, 4)]);
        GradCheck.Check(x =>
        {
            var p = Ops.Chunk(x[0].T, 3, 0);
            return Ops.Add(Ops.Mul(p[0], p[1]), p[2]);
        }, [GradCheck.Rand(13, 4, 6)]);
    }

    [Fact]
    public void Cat_with_mismatched_shapes_names_the_op_and_shapes()
    {
        var ex = Assert.Throws<ArgumentException>(() => Ops.Cat([Tensor.Zeros(2, 3), Tensor.Zeros(3, 3)], 1));
        Assert.Contains("Cat", ex.Message);
        Assert.Contains("[2, 3]", ex.Message);
        Assert.Contains("[3, 3]", ex.Message);
        var rank = Assert.Throws<ArgumentException>(() => Ops.Cat([Tensor.Zeros(2, 3), Tensor.Zeros(2, 3, 1)], 0));
        Assert.Contains("[2, 3, 1]", rank.Message);
        var dtype = Assert.Throws<ArgumentException>(() => Ops.Cat([Tensor.Zeros(2), Tensor.LongZeros(2)]));
        Assert.Contains("Int64", dtype.Message);
        var axis = Assert.Throws<ArgumentException>(() => Ops.Cat([Tensor.Zeros(2, 3)], 2));
        Assert.Contains("Cat: axis 2", axis.Message);
        Assert.Contains("[2, 3]", axis.Message);
        Assert.Contains("zero-dimensional", Assert.Throws<ArgumentException>(() => Ops.Cat([Tensor.Scalar(1).Reshape()])).Message);
        Assert.Contains("non-empty", Assert.Throws<ArgumentException>(() => Ops.Cat([])).Message);
    }

    [Fact]
    public void Stack_with_mismatched_shapes_or_axis_names_the_op_and_shapes()
    {
        var ex = Assert.Throws<ArgumentException>(() => Ops.Stack([Tensor.Zeros(2, 3), Tensor.Zeros(3, 2)]));
        Assert.Contains("Stack", ex.Message);
        Assert.Contains("[2, 3]", ex.Message);
        Assert.Contains("[3, 2]", ex.Message);
        var axis = Assert.Throws<ArgumentException>(() => Ops.Stack([Tensor.Zeros(2, 3)], 3));
        Assert.Contains("Stack: axis 3", axis.Message);
        Assert.Contains("[2, 3]", axis.Message);
    }

    [Fact]
    public void Split_and_chunk_reject_bad_sizes_naming_the_shape()
    {
        var sum = Assert.Throws<ArgumentException>(() => Ops.Split(Tensor.Zeros(4, 5), [2, 2], 1));
        Assert.Contains("Split", sum.Message);
        Assert.Contains("[4, 5]", sum.Message);
        Assert.Contains("sum to 4", sum.Message);
        Assert.Contains("[4, 5]", Assert.Throws<ArgumentException>(() => Ops.Split(Tensor.Zeros(4, 5), 0)).Message);
        Assert.Contains("negative", Assert.Throws<ArgumentException>(() => Ops.Split(Tensor.Zeros(4), [5, -1])).Message);
        var chunk = Assert.Throws<ArgumentException>(() => Ops.Chunk(Tensor.Zeros(4, 5), 0));
        Assert.Contains("Chunk", chunk.Message);
        Assert.Contains("[4, 5]", chunk.Message);
        Assert.Contains("Chunk: axis -3", Assert.Throws<ArgumentException>(() => Ops.Chunk(Tensor.Zeros(4, 5), 2, -3)).Message);
    }

    [Fact]
    public void Ops_accept_tensors_with_empty_dims()
    {
        var x = Tensor.Zeros(2, 0).RequireGrad();
        var padded = Ops.Pad(x, [1, 1], value: 3f);
        Assert.Equal(new float[] { 3, 3, 3, 3 }, padded.ToArray());
        Ops.Sum(padded).Backward();
        Assert.Equal(new[] { 2, 0 }, x.Grad!.Shape);
        Assert.Equal(new[] { 2, 3 }, Ops.Cat([Tensor.Zeros(2, 0), Tensor.Ones(2, 3), Tensor.Zeros(2, 0)], 1).Shape);
        Assert.Equal(new[] { 2, 0, 4 }, Ops.Embedding(Tensor.Ones(3, 4), Tensor.LongZeros(2, 0)).Shape);
        Assert.Equal(new[] { 0, 2 }, Ops.IndexSelect(Tensor.Ones(3, 2), 0, Tensor.LongZeros(0)).Shape);
        Assert.Equal(new[] { 2, 0 }, Ops.Roll(Tensor.Zeros(2, 0), [1], [1]).Shape);
    }

    [Fact]
    public void Cat_gradient_reaches_the_inputs_even_if_the_caller_reuses_its_array()
    {
        var a = GradCheck.Rand(14, 2).RequireGrad();
        var b = GradCheck.Rand(15, 3).RequireGrad();
        var list = new[] { a, b };
        var o = Ops.Cat(list);
        list[0] = b;
        Ops.Sum(Ops.Mul(o, Seq(5))).Backward();
        Assert.Equal(new float[] { 0, 1 }, a.Grad!.ToArray());
        Assert.Equal(new float[] { 2, 3, 4 }, b.Grad!.ToArray());
    }
}
