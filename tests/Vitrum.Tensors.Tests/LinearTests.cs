using Vitrum.Tensors.Tests.Support;
using Xunit;

namespace Vitrum.Tensors.Tests;

/// <summary>Ops.Linear (F.linear fused with its bias); PyTorch parity of the layer is in Vitrum.Nn.Tests' layer fixtures.</summary>
public class LinearTests
{
    [Fact]
    public void Linear_backward_matches_finite_differences()
    {
        GradCheck.Check(x => Ops.Linear(x[0], x[1], x[2]), new[] { GradCheck.Rand(1, 2, 3, 5), GradCheck.Rand(2, 4, 5), GradCheck.Rand(3, 4) });
        GradCheck.Check(x => Ops.Linear(x[0], x[1]), new[] { GradCheck.Rand(4, 6, 5), GradCheck.Rand(5, 3, 5) });
        GradCheck.Check(x => Ops.Linear(x[0], x[1], x[2]), new[] { GradCheck.Rand(6, 5), GradCheck.Rand(7, 2, 5), GradCheck.Rand(8, 2) });
        // A transposed input and a transposed (strided) weight are read in place.
        GradCheck.Check(x => Ops.Linear(x[0].Transpose(1, 2), x[1].T, x[2]), new[] { GradCheck.Rand(9, 2, 5, 3), GradCheck.Rand(10, 5, 4), GradCheck.Rand(11, 4) });
    }

    [Theory]
    [InlineData(7, 64, 192, true)]
    [InlineData(50, 33, 17, true)]
    [InlineData(3, 130, 200, false)]
    public void Linear_equals_matmul_plus_bias_forward_and_backward(int rows, int inF, int outF, bool withBias)
    {
        var x = GradCheck.Rand(12, 2, rows, inF).RequireGrad();
        var w = GradCheck.Rand(13, outF, inF).RequireGrad();
        var b = withBias ? GradCheck.Rand(14, outF).RequireGrad() : null;
        var gy = GradCheck.Rand(15, 2, rows, outF);

        var y = Ops.Linear(x, w, b);
        Ops.Sum(Ops.Mul(y, gy)).Backward();
        var (dx, dw, db) = (x.Grad!.ToArray(), w.Grad!.ToArray(), b?.Grad!.ToArray());
        x.ZeroGrad(); w.ZeroGrad(); b?.ZeroGrad();

        var r = Ops.MatMul(x, w.T);
        if (b != null) r = Ops.Add(r, b);
        Ops.Sum(Ops.Mul(r, gy)).Backward();
        GradCheck.Close(r.ToArray(), y.ToArray(), 1e-5, 1e-5, "output");
        GradCheck.Close(x.Grad!.ToArray(), dx, 1e-5, 1e-5, "dx");
        GradCheck.Close(w.Grad!.ToArray(), dw, 1e-5, 1e-4, "dw");
        if (b != null) GradCheck.Close(b.Grad!.ToArray(), db!, 1e-5, 1e-4, "db");
    }

    [Fact]
    public void Linear_of_empty_batch_or_zero_features_gives_zeros_and_bias()
    {
        var w0 = Tensor.Zeros(3, 0);
        var b = Tensor.FromArray(new[] { 1f, 2f, 3f }, 3);
        Assert.Equal(new[] { 1f, 2f, 3f, 1f, 2f, 3f }, Ops.Linear(Tensor.Zeros(2, 0), w0, b).ToArray());
        Assert.Equal(new float[6], Ops.Linear(Tensor.Zeros(2, 0), w0).ToArray());
        Assert.Equal(new[] { 0, 3 }, Ops.Linear(Tensor.Zeros(0, 4), Tensor.Zeros(3, 4), b).Shape);
    }

    [Fact]
    public void Linear_names_the_shapes_when_they_do_not_fit()
    {
        var e = Assert.Throws<ArgumentException>(() => Ops.Linear(Tensor.Zeros(2, 5), Tensor.Zeros(3, 4)));
        Assert.Contains("[2, 5]", e.Message);
        Assert.Contains("[3, 4]", e.Message);
        e = Assert.Throws<ArgumentException>(() => Ops.Linear(Tensor.Zeros(2, 4), Tensor.Zeros(3, 4), Tensor.Zeros(4)));
        Assert.Contains("bias [4]", e.Message);
    }
}
