using Vitrum.Tensors.Autograd;
using Vitrum.Tensors.Kernels;
using Vitrum.Tensors.Tests.Support;
using Xunit;

namespace Vitrum.Tensors.Tests;

/// <summary>Tests that change process-wide state (the SIMD level) or measure the whole heap run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AttentionSerialCollection
{
    public const string Name = "attention, serial";
}

[Collection(AttentionSerialCollection.Name)]
public class AttentionSerialTests
{
    /// <summary>Every level below the detected one, for each case with vector and lane tails.</summary>
    public static TheoryData<SimdLevel, string> LowerLevels()
    {
        var data = new TheoryData<SimdLevel, string>();
        foreach (var level in new[] { SimdLevel.Avx2, SimdLevel.Scalar }.Where(l => l < Simd.Detected))
            foreach (var name in new[] { "blocks_with_tails", "head_dim_not_vector_multiple", "bias_mask_causal_long", "window_shift_bias", "mask_full_with_masked_rows",
                         "head_dim_8_tall_masked_tiles", "head_dim_24_partial_vector", "head_dim_40_value_dim_72", "head_dim_80_value_dim_12_causal", "many_small_heads_grouped" })
                data.Add(level, name);
        return data;
    }

    [Theory]
    [MemberData(nameof(LowerLevels))]
    public void Fused_attention_at_a_lower_simd_level_matches_the_composed_ops(SimdLevel level, string name)
    {
        var c = AttentionTests.Find(name);
        var (uo, ug) = AttentionTests.RunWithGrads(c, fused: false);
        var saved = Simd.Level;
        (float[] output, float[][] grads) fused;
        try
        {
            Simd.Level = level;
            fused = AttentionTests.RunWithGrads(c, fused: true);
        }
        finally
        {
            Simd.Level = saved;
        }
        GradCheck.Close(uo, fused.output, 1e-5, 1e-5, $"{name} at {level}: output");
        for (int i = 0; i < ug.Length; i++) GradCheck.Close(ug[i], fused.grads[i], 1e-5, 1e-5, $"{name} at {level}: gradient {i}");
    }

    [Fact]
    public void Steady_state_forward_and_backward_allocate_no_scratch_on_the_managed_heap()
    {
        var c = new AttentionCase("vit_small_batch", 4, 6, 197, 197, 64, 64, BiasShape: new[] { 1, 6, 197, 197 });
        var (q, k, v, _, bias, leaves) = c.Inputs(requireGrad: true);
        long Step()
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            using (var scope = new Memory.TensorScope())
            {
                var o = Ops.ScaledDotProductAttention(q, k, v, null, bias);
                o.Backward(Tensor.Ones(o.Shape));
            }
            foreach (var t in leaves) t.ZeroGrad();
            return GC.GetTotalAllocatedBytes(precise: true) - before;
        }
        Step();
        Step();
        long bytes = Step();
        // The scores alone would be 4 * 6 * 197 * 197 floats (3.7 MB); what remains is tensor headers and the tape.
        Assert.True(bytes < 32 * 1024, $"one forward + backward allocated {bytes} bytes on the managed heap");
    }
}
