using Vitrum.Tensors.Autograd;
using Vitrum.Tensors.Memory;
using Vitrum.Tensors.Tests.Support;
using Xunit;

namespace Vitrum.Tensors.Tests;

public class CoreTests
{
    [Fact]
    public void Views_share_storage_and_index_like_pytorch()
    {
        var x = Tensor.FromArray(Enumerable.Range(0, 24).Select(i => (float)i).ToArray(), 2, 3, 4);
        var p = x.Permute(2, 0, 1);
        Assert.Equal(new[] { 4, 2, 3 }, p.Shape);
        Assert.Equal(x.At(1, 2, 3), p.At(3, 1, 2));
        Assert.True(p.SharesStorageWith(x));
        Assert.False(p.IsContiguous);
        var n = x.Narrow(2, 1, 2);
        Assert.Equal(new float[] { 1, 2, 5, 6, 9, 10, 13, 14, 17, 18, 21, 22 }, n.ToArray());
        var s = x.Slice(2, 0, 4, 2);
        Assert.Equal(new float[] { 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22 }, s.ToArray());
        var e = Tensor.FromArray(new float[] { 1, 2, 3 }, 3, 1).Expand(2, 3, 4);
        Assert.Equal(0, e.Strides[2]);
        Assert.Equal(3f, e.At(1, 2, 3));
        var u = x.Unsqueeze(1);
        Assert.Equal(new[] { 2, 1, 3, 4 }, u.Shape);
        Assert.Equal(new[] { 2, 3, 4 }, u.Squeeze(1).Shape);
        Assert.Equal(x.ToArray(), p.Permute(1, 2, 0).Contiguous().ToArray());
        Assert.Equal(new[] { 6, 4 }, x.Reshape(-1, 4).Shape);
    }

    [Fact]
    public void Reshape_of_a_transposed_view_copies_and_keeps_order()
    {
        var x = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        Assert.Equal(new float[] { 1, 4, 2, 5, 3, 6 }, x.T.Reshape(6).ToArray());
    }

    [Fact]
    public void Broadcast_add_matches_manual_loop()
    {
        var a = GradCheck.Rand(1, 2, 3, 4);
        var b = GradCheck.Rand(2, 3, 1);
        var o = Ops.Add(a, b);
        var ea = a.ToArray();
        var eb = b.ToArray();
        var exp = new float[24];
        for (int i = 0; i < 2; i++) for (int j = 0; j < 3; j++) for (int k = 0; k < 4; k++)
            exp[i * 12 + j * 4 + k] = ea[i * 12 + j * 4 + k] + eb[j];
        Assert.Equal(exp, o.ToArray());
    }

    [Fact]
    public void Mismatched_shapes_raise_argument_exception_naming_op_and_shapes()
    {
        var ex = Assert.Throws<ArgumentException>(() => Ops.Add(Tensor.Zeros(2, 3), Tensor.Zeros(4)));
        Assert.Contains("Add", ex.Message);
        Assert.Contains("[2, 3]", ex.Message);
        Assert.Contains("[4]", ex.Message);
        var mm = Assert.Throws<ArgumentException>(() => Ops.MatMul(Tensor.Zeros(2, 3), Tensor.Zeros(4, 5)));
        Assert.Contains("MatMul", mm.Message);
        var ax = Assert.Throws<ArgumentException>(() => Ops.Sum(Tensor.Zeros(2, 3), 2));
        Assert.Contains("Sum", ax.Message);
        var dt = Assert.Throws<ArgumentException>(() => Ops.Exp(Tensor.LongZeros(3)));
        Assert.Contains("Int64", dt.Message);
    }

    [Fact]
    public void Arithmetic_gradients_match_finite_differences()
    {
        GradCheck.Check(x => Ops.Add(x[0], x[1]), new[] { GradCheck.Rand(1, 2, 3), GradCheck.Rand(2, 3) });
        GradCheck.Check(x => Ops.Sub(x[0], x[1]), new[] { GradCheck.Rand(1, 2, 1), GradCheck.Rand(2, 1, 3) });
        GradCheck.Check(x => Ops.Mul(x[0], x[1]), new[] { GradCheck.Rand(1, 4, 3), GradCheck.Rand(2, 3) });
        GradCheck.Check(x => Ops.Div(x[0], Ops.Add(Ops.Exp(x[1]), 1f)), new[] { GradCheck.Rand(1, 2, 3), GradCheck.Rand(2, 3) });
        GradCheck.Check(x => Ops.Log(Ops.Exp(x[0])), new[] { GradCheck.Rand(3, 5) });
    }

    [Fact]
    public void View_gradients_match_finite_differences()
    {
        GradCheck.Check(x => x[0].Permute(2, 0, 1).Reshape(4, 6), new[] { GradCheck.Rand(1, 2, 3, 4) });
        GradCheck.Check(x => x[0].Narrow(1, 1, 2), new[] { GradCheck.Rand(2, 2, 4) });
        GradCheck.Check(x => x[0].Slice(1, 0, 4, 3), new[] { GradCheck.Rand(3, 2, 4) });
        GradCheck.Check(x => x[0].Expand(2, 3, 4), new[] { GradCheck.Rand(4, 3, 1) });
        GradCheck.Check(x => x[0].Unsqueeze(0).Squeeze(), new[] { GradCheck.Rand(5, 3, 4) });
    }

    [Fact]
    public void Sum_and_matmul_gradients_match_finite_differences()
    {
        GradCheck.Check(x => Ops.Sum(x[0], new[] { 0, 2 }, keepDim: true), new[] { GradCheck.Rand(1, 2, 3, 4) });
        GradCheck.Check(x => Ops.Sum(x[0], 1), new[] { GradCheck.Rand(2, 2, 3, 4) });
        GradCheck.Check(x => Ops.MatMul(x[0], x[1]), new[] { GradCheck.Rand(1, 3, 4), GradCheck.Rand(2, 4, 5) });
        GradCheck.Check(x => Ops.MatMul(x[0], x[1].T), new[] { GradCheck.Rand(3, 2, 3, 4), GradCheck.Rand(4, 5, 4) });
        GradCheck.Check(x => Ops.MatMul(x[0], x[1]), new[] { GradCheck.Rand(5, 4), GradCheck.Rand(6, 2, 4, 3) });
        GradCheck.Check(x => Ops.MatMul(x[0], x[1]), new[] { GradCheck.Rand(7, 4), GradCheck.Rand(8, 4) });
        // A linear layer on [B, N, C]: the batch folds into the GEMM's rows, or not when the rows do not collapse.
        GradCheck.Check(x => Ops.MatMul(x[0], x[1].T), new[] { GradCheck.Rand(9, 2, 3, 4), GradCheck.Rand(10, 5, 4) });
        GradCheck.Check(x => Ops.MatMul(x[0].Transpose(0, 1), x[1]), new[] { GradCheck.Rand(13, 2, 3, 4), GradCheck.Rand(14, 4, 5) });
    }

    [Fact]
    public void Softmax_gradients_match_finite_differences()
    {
        GradCheck.Check(x => Ops.Softmax(x[0], 1), new[] { GradCheck.Rand(11, 2, 4, 3) });
        GradCheck.Check(x => Ops.LogSoftmax(x[0]), new[] { GradCheck.Rand(12, 3, 5) });
    }

    [Fact]
    public void Gradients_accumulate_across_backward_calls_and_no_grad_records_nothing()
    {
        var x = Tensor.FromArray(new float[] { 1, 2, 3 }).RequireGrad();
        Ops.Sum(Ops.Mul(x, x)).Backward();
        Ops.Sum(Ops.Mul(x, x)).Backward();
        Assert.Equal(new float[] { 4, 8, 12 }, x.Grad!.ToArray());
        using (GradMode.NoGrad())
        {
            var y = Ops.Mul(x, x);
            Assert.False(y.RequiresGrad);
        }
        var d = x.Detach();
        Assert.False(d.RequiresGrad);
    }

    [Fact]
    public void Scope_returns_buffers_of_intermediates()
    {
        var keep = Tensor.Ones(4);
        Tensor inner;
        using (var scope = new TensorScope())
        {
            inner = Ops.Add(keep, keep);
            Assert.Equal(1, scope.Count);
        }
        Assert.True(inner.IsDisposed);
        Assert.False(keep.IsDisposed);
    }
}
