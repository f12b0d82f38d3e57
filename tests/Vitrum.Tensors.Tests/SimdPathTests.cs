using Vitrum.Tensors.Kernels;
using Vitrum.Tensors.Tests.Support;
using Xunit;

namespace Vitrum.Tensors.Tests;

/// <summary>
/// Every kernel of this op set gives the same results (forward and gradients) at each SIMD level, on
/// shapes whose rows leave a scalar tail after the vector body.
/// </summary>
[Collection(SimdLevelCollection.Name)]
public class SimdPathTests
{
    public static TheoryData<string> Ops_() => new(Cases.Keys);

    private static readonly Dictionary<string, (Func<Tensor[], Tensor> F, Func<Tensor[]> Inputs)> Cases = new()
    {
        ["pow_general"] = (x => Ops.Pow(x[0], x[1]), () => new[] { Positive(1, 3, 37), GradCheck.Rand(2, 3, 37) }),
        ["pow_negative_base"] = (x => Ops.Pow(x[0], 3.5f), () => new[] { GradCheck.Rand(3, 3, 37) }),
        ["sqrt_rsqrt_abs"] = (x => Ops.Add(Ops.Add(Ops.Sqrt(x[0]), Ops.Rsqrt(x[0])), Ops.Abs(x[1])), () => new[] { Positive(4, 3, 37), GradCheck.Rand(5, 3, 37) }),
        ["erf"] = (x => Ops.Erf(Ops.Mul(x[0], 4f)), () => new[] { GradCheck.Rand(6, 3, 37) }),
        ["clamp"] = (x => Ops.Clamp(x[0], -0.3f, 0.4f), () => new[] { GradCheck.Rand(7, 3, 37) }),
        ["maximum_minimum"] = (x => Ops.Add(Ops.Maximum(x[0], x[1]), Ops.Minimum(x[0], x[1])), () => new[] { GradCheck.Rand(8, 3, 37), GradCheck.Rand(9, 37) }),
        ["where"] = (x => Ops.Where(Ops.Gt(x[0], 0f), x[0], x[1]), () => new[] { GradCheck.Rand(10, 3, 37), GradCheck.Rand(11, 3, 37) }),
        ["comparisons"] = (x => Ops.Add(x[0], Ops.Sum(Tensor.FromArray(
            Ops.Eq(x[0], x[1]).ToArray().Concat(Ops.Le(x[0], x[1]).ToArray()).Concat(Ops.Ne(x[0], 0.1f).ToArray()).ToArray()))),
            () => new[] { Rounded(12, 3, 37), Rounded(13, 3, 37) }),
        ["relu_silu"] = (x => Ops.Add(Ops.Relu(x[0]), Ops.Silu(x[0])), () => new[] { Wide(14, 3, 37) }),
        ["gelu"] = (x => Ops.Gelu(x[0]), () => new[] { Wide(15, 3, 37) }),
        ["gelu_tanh"] = (x => Ops.Gelu(x[0], GeluApproximation.Tanh), () => new[] { Wide(16, 3, 37) }),
        ["tanh_sigmoid"] = (x => Ops.Add(Ops.Tanh(x[0]), Ops.Sigmoid(x[0])), () => new[] { Wide(17, 3, 37) }),
        ["layer_norm"] = (x => Ops.LayerNorm(x[0], new[] { 37 }, x[1], x[2]), () => new[] { Wide(18, 4, 37), GradCheck.Rand(19, 37), GradCheck.Rand(20, 37) }),
        ["cross_entropy"] = (x => Ops.CrossEntropy(x[0], Tensor.FromLongs(new long[] { 3, 36, -100, 0 }, 4), x[1], labelSmoothing: 0.1f, reduction: Reduction.None),
            () => new[] { Wide(21, 4, 37), Positive(22, 37) }),
        // 150 output features: one 128-column block, one 16-column vector and a scalar tail in the bias gradient.
        ["linear"] = (x => Ops.Linear(x[0], x[1], x[2]), () => new[] { GradCheck.Rand(25, 2, 5, 37), GradCheck.Rand(26, 150, 37), GradCheck.Rand(27, 150) }),
        ["cross_entropy_soft"] = (x => Ops.CrossEntropy(x[0], Ops.Softmax(x[1], 1)), () => new[] { Wide(23, 4, 37), GradCheck.Rand(24, 4, 37) }),
    };

    private static Tensor Positive(ulong seed, params int[] shape) => Ops.Add(Ops.Abs(GradCheck.Rand(seed, shape)), 0.2f);
    private static Tensor Wide(ulong seed, params int[] shape) => Ops.Mul(GradCheck.Rand(seed, shape), 6f);

    /// <summary>Values on a 0.1 grid, so that equal pairs occur.</summary>
    private static Tensor Rounded(ulong seed, params int[] shape) =>
        Tensor.FromArray(GradCheck.Rand(seed, shape).ToArray().Select(v => MathF.Round(v * 3) / 10).ToArray(), shape);

    [Theory]
    [MemberData(nameof(Ops_))]
    public void Every_simd_level_gives_the_results_of_the_widest(string name)
    {
        var (f, makeInputs) = Cases[name];
        float[]? refOut = null;
        float[][]? refGrads = null;
        SimdLevels.ForEach(level =>
        {
            var inputs = makeInputs();
            foreach (var t in inputs) t.RequiresGrad = true;
            var y = f(inputs);
            y.Backward(GradCheck.Rand(99, y.Shape));
            var grads = inputs.Select(t => t.Grad?.ToArray() ?? Array.Empty<float>()).ToArray();
            if (refOut == null)
            {
                refOut = y.ToArray();
                refGrads = grads;
                return;
            }
            GradCheck.Close(refOut, y.ToArray(), 1e-6, 1e-6, $"{name} at {level}: output");
            for (int i = 0; i < grads.Length; i++)
                GradCheck.Close(refGrads![i], grads[i], 1e-5, 1e-6, $"{name} at {level}: grad {i}");
        });
        Assert.Equal(Simd.Detected, Simd.Level);
    }
}
