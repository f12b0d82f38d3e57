using Vitrum.Tensors.Tests.Support;
using Xunit;

namespace Vitrum.Tensors.Tests;

public class IndexOpsTests
{
    private static Tensor Ids(params long[] v) => Tensor.FromLongs(v, v.Length);

    private static Tensor Seq(params int[] shape) =>
        Tensor.FromArray(Enumerable.Range(0, (int)ShapeUtil.Numel(shape)).Select(i => (float)i).ToArray(), shape);

    [Fact]
    public void Embedding_looks_up_rows_for_ids_of_any_shape()
    {
        var w = Seq(4, 2);
        var o = Ops.Embedding(w, Tensor.FromLongs([3, 0, 3, 1], 2, 2));
        Assert.Equal(new[] { 2, 2, 2 }, o.Shape);
        Assert.Equal(new float[] { 6, 7, 0, 1, 6, 7, 2, 3 }, o.ToArray());
        Assert.Equal(new float[] { 4, 5 }, Ops.Embedding(w, Tensor.FromLongs([2]).Reshape()).ToArray());
    }

    [Fact]
    public void Embedding_gradients_match_finite_differences()
    {
        var ids = Tensor.FromLongs([1, 4, 1, 0, 4, 4], 2, 3);
        GradCheck.Check(x => Ops.Embedding(x[0], ids), [GradCheck.Rand(1, 5, 3)]);
        GradCheck.Check(x => Ops.Embedding(x[0].T, ids), [GradCheck.Rand(2, 3, 5)]);
    }

    [Fact]
    public void Embedding_padding_row_receives_no_gradient()
    {
        var w = GradCheck.Rand(3, 4, 2).RequireGrad();
        var o = Ops.Embedding(w, Ids(2, 1, 2, 3), paddingIdx: -2);
        Assert.Equal(w.At(2, 1), o.At(0, 1));
        Ops.Sum(o).Backward();
        Assert.Equal(new float[] { 0, 0, 1, 1, 0, 0, 1, 1 }, w.Grad!.ToArray());
    }

    [Fact]
    public void Embedding_rejects_out_of_range_ids_and_wrong_dtypes()
    {
        var w = Tensor.Zeros(5, 3);
        var range = Assert.Throws<ArgumentException>(() => Ops.Embedding(w, Tensor.FromLongs([1, 7, 2, 0], 2, 2)));
        Assert.Contains("Embedding", range.Message);
        Assert.Contains("id 7", range.Message);
        Assert.Contains("5 rows", range.Message);
        Assert.Contains("[2, 2]", range.Message);
        Assert.Contains("id -1", Assert.Throws<ArgumentException>(() => Ops.Embedding(w, Ids(-1))).Message);
        var dtype = Assert.Throws<ArgumentException>(() => Ops.Embedding(w, Tensor.Zeros(2, 2)));
        Assert.Contains("Int64", dtype.Message);
        Assert.Contains("[2, 2]", dtype.Message);
        Assert.Contains("[5]", Assert.Throws<ArgumentException>(() => Ops.Embedding(Tensor.Zeros(5), Ids(1))).Message);
        Assert.Contains("padding index 5", Assert.Throws<ArgumentException>(() => Ops.Embedding(w, Ids(1), 5)).Message);
    }

    [Fact]
    public void Gather_picks_along_the_axis_like_torch_gather()
    {
        var x = Seq(2, 3);
        var o = Ops.Gather(x, 1, Tensor.FromLongs([2, 0, 1, 1], 2, 2));
        Assert.Equal(new float[] { 2, 0, 4, 4 }, o.ToArray());
        Assert.Equal(new float[] { 3, 1 }, Ops.Gather(x, 0, Tensor.FromLongs([1, 0], 1, 2)).ToArray());
        var lx = Tensor.FromLongs([10, 11, 12, 13], 2, 2);
        Assert.Equal(new long[] { 11, 12 }, Ops.Gather(lx.T, 0, Tensor.FromLongs([1, 0], 1, 2)).ToLongArray());
    }

    [Fact]
    public void Gather_and_index_select_gradients_match_finite_differences()
    {
        var index = Tensor.FromLongs([2, 0, 2, 1, 1, 1, 0, 0], 2, 2, 2);
        GradCheck.Check(x => Ops.Gather(x[0], 1, index), [GradCheck.Rand(4, 2, 3, 2)]);
        GradCheck.Check(x => Ops.Gather(x[0].Transpose(0, 2), -1, index), [GradCheck.Rand(5, 3, 3, 2)]);
        GradCheck.Check(x => Ops.IndexSelect(x[0], 0, Ids(3, 0, 3, 3)), [GradCheck.Rand(6, 4, 3)]);
        GradCheck.Check(x => Ops.IndexSelect(x[0].T, 1, Ids(1, 1, 0)), [GradCheck.Rand(7, 2, 3)]);
    }

    [Fact]
    public void Index_select_copies_whole_slices_of_float_and_int64_tensors()
    {
        Assert.Equal(new float[] { 1, 0, 1, 4, 3, 4 }, Ops.IndexSelect(Seq(2, 3), 1, Ids(1, 0, 1)).ToArray());
        Assert.Equal(new long[] { 5, 6, 5, 6 }, Ops.IndexSelect(Tensor.FromLongs([3, 4, 5, 6], 2, 2), 0, Ids(1, 1)).ToLongArray());
        Assert.Equal(new[] { 1, 3 }, Ops.IndexSelect(Seq(2, 3), 0, Tensor.FromLongs([1]).Reshape()).Shape);
    }

    [Fact]
    public void Scatter_add_and_index_add_accumulate_repeated_targets()
    {
        var sa = Ops.ScatterAdd(Tensor.Zeros(2, 3), 1, Tensor.FromLongs([0, 0, 2, 1], 2, 2), Seq(2, 2));
        Assert.Equal(new float[] { 1, 0, 0, 0, 3, 2 }, sa.ToArray());
        var ia = Ops.IndexAdd(Tensor.Ones(3, 2), 0, Ids(2, 2, 0), Seq(3, 2));
        Assert.Equal(new float[] { 5, 6, 1, 1, 3, 5 }, ia.ToArray());
    }

    [Fact]
    public void Scatter_add_and_index_add_gradients_match_finite_differences()
    {
        var index = Tensor.FromLongs([0, 3, 3, 1, 0, 0], 2, 3);
        GradCheck.Check(x => Ops.ScatterAdd(x[0], 1, index, x[1]), [GradCheck.Rand(8, 2, 4), GradCheck.Rand(9, 2, 3)]);
        GradCheck.Check(x => Ops.ScatterAdd(x[0], 1, index, x[1].T), [GradCheck.Rand(10, 3, 4), GradCheck.Rand(11, 5, 2)]);
        GradCheck.Check(x => Ops.IndexAdd(x[0], 1, Ids(2, 0, 2), x[1]), [GradCheck.Rand(12, 2, 3), GradCheck.Rand(13, 2, 3)]);
        GradCheck.Check(x => Ops.IndexAdd(x[0].T, 0, Ids(1, 1), x[1]), [GradCheck.Rand(14, 4, 3), GradCheck.Rand(15, 2, 4)]);
    }

    [Fact]
    public void Gather_and_scatter_add_reject_bad_index_shapes_and_values()
    {
        var x = Tensor.Zeros(2, 3);
        var rank = Assert.Throws<ArgumentException>(() => Ops.Gather(x, 1, Tensor.LongZeros(2)));
        Assert.Contains("Gather", rank.Message);
        Assert.Contains("[2, 3]", rank.Message);
        Assert.Contains("[2]", rank.Message);
        Assert.Contains("[3, 1]", Assert.Throws<ArgumentException>(() => Ops.Gather(x, 1, Tensor.LongZeros(3, 1))).Message);
        var range = Assert.Throws<ArgumentException>(() => Ops.Gather(x, 1, Tensor.FromLongs([0, 3], 1, 2)));
        Assert.Contains("index 3 is out of range for dim 1 of size 3", range.Message);
        Assert.Contains("Int64", Assert.Throws<ArgumentException>(() => Ops.Gather(x, 0, Tensor.Zeros(1, 1))).Message);
        Assert.Contains("Gather: axis 2", Assert.Throws<ArgumentException>(() => Ops.Gather(x, 2, Tensor.LongZeros(1, 1))).Message);
        var src = Assert.Throws<ArgumentException>(() => Ops.ScatterAdd(x, 0, Tensor.LongZeros(2, 2), Tensor.Zeros(2, 1)));
        Assert.Contains("ScatterAdd", src.Message);
        Assert.Contains("src [2, 1]", src.Message);
        Assert.Contains("index -1", Assert.Throws<ArgumentException>(() => Ops.ScatterAdd(x, 0, Tensor.FromLongs([-1], 1, 1), Tensor.Zeros(1, 1))).Message);
    }

    [Fact]
    public void Index_select_and_index_add_reject_bad_indices_and_sources()
    {
        var x = Tensor.Zeros(4, 3);
        var matrix = Assert.Throws<ArgumentException>(() => Ops.IndexSelect(x, 0, Tensor.LongZeros(2, 2)));
        Assert.Contains("IndexSelect", matrix.Message);
        Assert.Contains("[2, 2]", matrix.Message);
        var range = Assert.Throws<ArgumentException>(() => Ops.IndexSelect(x, 1, Ids(0, 3)));
        Assert.Contains("IndexSelect: index 3 is out of range for dim 1 of size 3", range.Message);
        Assert.Contains("[4, 3]", range.Message);
        Assert.Contains("Int64", Assert.Throws<ArgumentException>(() => Ops.IndexSelect(x, 0, Tensor.Zeros(2))).Message);
        var source = Assert.Throws<ArgumentException>(() => Ops.IndexAdd(x, 0, Ids(1, 2), Tensor.Zeros(3, 3)));
        Assert.Contains("IndexAdd", source.Message);
        Assert.Contains("[3, 3]", source.Message);
        Assert.Contains("[4, 3]", source.Message);
    }
}
