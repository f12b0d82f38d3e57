using Vitrum.Tensors.Tests.Support;
using Xunit;

namespace Vitrum.Tensors.Tests;

public class PadRollRepeatTests
{
    private static Tensor Row(params float[] v) => Tensor.FromArray(v, v.Length);

    [Fact]
    public void Pad_modes_fill_the_border_like_pytorch()
    {
        var x = Row(1, 2, 3).Reshape(1, 3);
        Assert.Equal(new float[] { 9, 9, 1, 2, 3, 9 }, Ops.Pad(x, [2, 1], PadMode.Constant, 9).ToArray());
        Assert.Equal(new float[] { 3, 2, 1, 2, 3, 2 }, Ops.Pad(x, [2, 1], PadMode.Reflect).ToArray());
        Assert.Equal(new float[] { 1, 1, 1, 2, 3, 3 }, Ops.Pad(x, [2, 1], PadMode.Replicate).ToArray());
        Assert.Equal(new float[] { 2, 3, 1, 2, 3, 1 }, Ops.Pad(x, [2, 1], PadMode.Circular).ToArray());
        Assert.Equal(new float[] { 2, 0 }, Ops.Pad(x, [-1, -1, 0, 1]).ToArray());
        var ids = Tensor.FromLongs([4, 5], 2);
        Assert.Equal(new long[] { 7, 4, 5 }, Ops.Pad(ids, [1, 0], value: 7).ToLongArray());
    }

    [Fact]
    public void Pad_gradients_match_finite_differences()
    {
        GradCheck.Check(x => Ops.Pad(x[0], [1, 2, -1, 1], PadMode.Constant, 0.3f), [GradCheck.Rand(1, 2, 4, 3)]);
        GradCheck.Check(x => Ops.Pad(x[0].T, [2, 1, 1, 2], PadMode.Reflect), [GradCheck.Rand(2, 2, 4, 3)]);
        GradCheck.Check(x => Ops.Pad(x[0], [3, -1, 2, 2], PadMode.Replicate), [GradCheck.Rand(3, 2, 3, 4)]);
        GradCheck.Check(x => Ops.Pad(x[0], [2, 3, 1, 0, 0, 1], PadMode.Circular), [GradCheck.Rand(4, 2, 2, 3)]);
    }

    [Fact]
    public void Pad_rejects_bad_pads_naming_the_op_and_shape()
    {
        var x = Tensor.Zeros(2, 3);
        var odd = Assert.Throws<ArgumentException>(() => Ops.Pad(x, [1, 2, 3]));
        Assert.Contains("Pad", odd.Message);
        Assert.Contains("[2, 3]", odd.Message);
        Assert.Contains("[2, 3]", Assert.Throws<ArgumentException>(() => Ops.Pad(x, [1, 1, 1, 1, 1, 1])).Message);
        var reflect = Assert.Throws<ArgumentException>(() => Ops.Pad(x, [3, 0], PadMode.Reflect));
        Assert.Contains("smaller than its size 3", reflect.Message);
        Assert.Contains("[2, 3]", reflect.Message);
        Assert.Contains("negative size", Assert.Throws<ArgumentException>(() => Ops.Pad(x, [-2, -2])).Message);
        Assert.Contains("fill value", Assert.Throws<ArgumentException>(() => Ops.Pad(x, [1, 1], PadMode.Replicate, 1f)).Message);
        Assert.Contains("non-empty", Assert.Throws<ArgumentException>(() => Ops.Pad(Tensor.Zeros(2, 0), [1, 0], PadMode.Replicate)).Message);
    }

    [Fact]
    public void Roll_moves_element_i_to_i_plus_shift()
    {
        Assert.Equal(new float[] { 4, 5, 0, 1, 2, 3 }, Ops.Roll(Row(0, 1, 2, 3, 4, 5), 2).ToArray());
        var m = Row(0, 1, 2, 3, 4, 5).Reshape(2, 3);
        Assert.Equal(new float[] { 5, 3, 4, 2, 0, 1 }, Ops.Roll(m, [1, 1], [0, 1]).ToArray());
        Assert.Equal(new float[] { 5, 0, 1, 2, 3, 4 }, Ops.Roll(m, 1).ToArray());
        Assert.Equal(new float[] { 1, 2, 0, 4, 5, 3 }, Ops.Roll(m, [-4], [-1]).ToArray());
        Assert.Equal(new long[] { 2, 0, 1 }, Ops.Roll(Tensor.FromLongs([0, 1, 2], 3), [1], [0]).ToLongArray());
    }

    [Fact]
    public void Roll_gradients_match_finite_differences()
    {
        GradCheck.Check(x => Ops.Roll(x[0], [-1, 2], [1, 2]), [GradCheck.Rand(5, 2, 3, 4)]);
        GradCheck.Check(x => Ops.Roll(x[0].T, [3], [1]), [GradCheck.Rand(6, 5, 2)]);
        GradCheck.Check(x => Ops.Roll(x[0].T, 7), [GradCheck.Rand(7, 3, 4)]);
    }

    [Fact]
    public void Roll_rejects_mismatched_shifts_and_bad_dims()
    {
        var x = Tensor.Zeros(2, 3);
        var len = Assert.Throws<ArgumentException>(() => Ops.Roll(x, [1, 2], [0]));
        Assert.Contains("Roll", len.Message);
        Assert.Contains("[2, 3]", len.Message);
        var dim = Assert.Throws<ArgumentException>(() => Ops.Roll(x, [1], [2]));
        Assert.Contains("Roll: axis 2", dim.Message);
        Assert.Contains("[2, 3]", dim.Message);
    }

    [Fact]
    public void Repeat_and_tile_copy_the_tensor_like_pytorch()
    {
        var x = Row(1, 2);
        Assert.Equal(new float[] { 1, 2, 1, 2, 1, 2, 1, 2 }, Ops.Repeat(x, 2, 2).ToArray());
        Assert.Equal(new[] { 2, 4 }, Ops.Repeat(x, 2, 2).Shape);
        var m = Row(1, 2, 3, 4).Reshape(2, 2);
        Assert.Equal(new float[] { 1, 3, 1, 3, 2, 4, 2, 4 }, Ops.Repeat(m.T, 1, 2).ToArray());
        Assert.Equal(new[] { 2, 6 }, Ops.Tile(m, 3).Shape);
        Assert.Equal(new[] { 0, 2 }, Ops.Repeat(m, 0, 1).Shape);
        Assert.Equal(new long[] { 7, 7, 7 }, Ops.Repeat(Tensor.FromLongs([7], 1), 3).ToLongArray());
    }

    [Fact]
    public void Repeat_gradients_match_finite_differences()
    {
        GradCheck.Check(x => Ops.Repeat(x[0], 2, 1, 3), [GradCheck.Rand(8, 2, 3)]);
        GradCheck.Check(x => Ops.Repeat(x[0].T, 2, 2), [GradCheck.Rand(9, 1, 3)]);
        GradCheck.Check(x => Ops.Tile(x[0], 2), [GradCheck.Rand(10, 2, 3)]);
    }

    [Fact]
    public void Repeat_rejects_too_few_or_negative_repeats()
    {
        var few = Assert.Throws<ArgumentException>(() => Ops.Repeat(Tensor.Zeros(2, 3), 2));
        Assert.Contains("Repeat", few.Message);
        Assert.Contains("[2, 3]", few.Message);
        Assert.Contains("negative", Assert.Throws<ArgumentException>(() => Ops.Repeat(Tensor.Zeros(2, 3), 1, -1)).Message);
    }

    [Fact]
    public void Large_roll_and_pad_of_a_permuted_view_match_the_definition()
    {
        int b = 4, h = 64, w = 64, c = 8;
        var data = Enumerable.Range(0, b * h * w * c).Select(i => (float)i).ToArray();
        var x = Tensor.FromArray(data, b, h, w, c);
        var rolled = Ops.Roll(x, [-3, 5], [1, 2]).ToArray();
        var padded = Ops.Pad(x.Permute(0, 3, 1, 2), [1, 2, 2, 1], PadMode.Replicate).ToArray();
        int at = 0;
        for (int i0 = 0; i0 < b; i0++) for (int i1 = 0; i1 < h; i1++) for (int i2 = 0; i2 < w; i2++) for (int i3 = 0; i3 < c; i3++)
            Assert.Equal(data[((i0 * h + (i1 + 3) % h) * w + (i2 - 5 + w) % w) * c + i3], rolled[at++]);
        at = 0;
        for (int i0 = 0; i0 < b; i0++) for (int i3 = 0; i3 < c; i3++) for (int i1 = 0; i1 < h + 3; i1++) for (int i2 = 0; i2 < w + 3; i2++)
            Assert.Equal(data[((i0 * h + Math.Clamp(i1 - 2, 0, h - 1)) * w + Math.Clamp(i2 - 1, 0, w - 1)) * c + i3], padded[at++]);
    }
}
