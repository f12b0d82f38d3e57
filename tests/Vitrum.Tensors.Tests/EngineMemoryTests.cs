using Vitrum.Tensors.Memory;
using Vitrum.Tensors.Tests.Support;
using Xunit;

namespace Vitrum.Tensors.Tests;

/// <summary>
/// The engine frees rule temporaries per node, accumulates exclusive gradients in place and hands a
/// rule's own buffer to a leaf: these graphs share gradient buffers in every way that could go wrong.
/// </summary>
public class EngineMemoryTests
{
    [Fact]
    public void Qkv_style_slices_of_a_permuted_view_get_their_gradients_in_one_buffer()
    {
        // Attention's split: [B, N, 3*H*d] -> [B, N, 3, H, d] -> [3, B, H, N, d] -> q, k, v.
        GradCheck.Check(x =>
        {
            var qkv = x[0].Reshape(2, 3, 3, 2, 2).Permute(2, 0, 3, 1, 4);
            Tensor q = qkv.Select(0, 0), k = qkv.Select(0, 1), v = qkv.Select(0, 2);
            return Ops.Add(Ops.Mul(q, k), Ops.Mul(v, q));
        }, new[] { GradCheck.Rand(1, 2, 3, 12) });
    }

    [Fact]
    public void Overlapping_and_repeated_slices_sum_their_gradients()
    {
        GradCheck.Check(x => Ops.Add(Ops.Mul(x[0].Narrow(1, 0, 3), x[0].Narrow(1, 1, 3)), x[0].Narrow(1, 0, 3)),
            new[] { GradCheck.Rand(2, 2, 4, 5) });
        // A leaf sliced directly, and a slice of a transposed leaf.
        GradCheck.Check(x => Ops.Mul(x[0].T.Narrow(0, 1, 2), x[1]), new[] { GradCheck.Rand(3, 4, 3), GradCheck.Rand(4, 2, 4) });
    }

    [Fact]
    public void A_gradient_passed_to_several_inputs_is_not_changed_by_later_accumulation()
    {
        // Add passes one gradient object to both inputs; each input is used again, so both accumulate.
        GradCheck.Check(x =>
        {
            var a = Ops.Mul(x[0], 2f);
            var b = Ops.Exp(x[0]);
            var s = Ops.Add(a, b);
            return Ops.Add(Ops.Add(s, Ops.Mul(a, b)), Ops.Mul(a, x[1]));
        }, new[] { GradCheck.Rand(5, 3, 4), GradCheck.Rand(6, 3, 4) });
        // The same tensor on both sides, and a leaf reached through a view and directly.
        GradCheck.Check(x => Ops.Add(Ops.Add(x[0], x[0]), Ops.Mul(x[0].Reshape(12).Reshape(3, 4), x[0])), new[] { GradCheck.Rand(7, 3, 4) });
    }

    [Fact]
    public void Caller_gradient_is_neither_modified_nor_shared_with_a_leaf()
    {
        var x = GradCheck.Rand(8, 2, 3).RequireGrad();
        var seed = Tensor.Ones(2, 3);
        x.Reshape(6).Reshape(2, 3).Backward(seed);
        x.Reshape(6).Reshape(2, 3).Backward(seed);
        Assert.Equal(Enumerable.Repeat(2f, 6), x.Grad!.ToArray());
        Assert.Equal(Enumerable.Repeat(1f, 6), seed.ToArray());
    }

    [Fact]
    public void Backward_returns_its_temporaries_to_the_pool()
    {
        var x = GradCheck.Rand(9, 64, 64).RequireGrad();
        var w = GradCheck.Rand(10, 64, 64).RequireGrad();
        int Step()
        {
            using var scope = new TensorScope();
            var h = Ops.Gelu(Ops.Linear(Ops.Gelu(Ops.Linear(x, w)), w));
            Ops.Sum(Ops.Mul(h, h)).Backward();
            return scope.Count;
        }
        int forwardOnly;
        using (var scope = new TensorScope())
        {
            var h = Ops.Gelu(Ops.Linear(Ops.Gelu(Ops.Linear(x, w)), w));
            Ops.Sum(Ops.Mul(h, h));
            forwardOnly = scope.Count;
        }
        // Only the forward pass's tensors are left for the step's scope: backward disposed its own.
        Assert.Equal(forwardOnly, Step());
    }

    [Fact]
    public void DisposeIfNoGrad_releases_an_activation_only_while_gradients_are_off()
    {
        var x = GradCheck.Rand(3, 4, 5).RequireGrad();
        var kept = Ops.Mul(x, 2f);
        kept.DisposeIfNoGrad();
        Assert.False(kept.IsDisposed);
        Ops.Sum(kept).Backward();
        Assert.Equal(Enumerable.Repeat(2f, 20), x.Grad!.ToArray());
        using (Autograd.GradMode.NoGrad())
        {
            var released = Ops.Mul(x, 2f);
            var view = released.Narrow(0, 1, 2);
            released.DisposeIfNoGrad();
            Assert.True(released.IsDisposed);
            // A view keeps the shared buffer alive until it goes too.
            Assert.Equal(Ops.Mul(x.Narrow(0, 1, 2), 2f).ToArray(), view.ToArray());
        }
    }
}
