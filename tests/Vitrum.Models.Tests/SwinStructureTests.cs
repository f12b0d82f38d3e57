using Vitrum.Models.Swin;
using Vitrum.Nn.IO;
using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;
using Xunit;

namespace Vitrum.Models.Tests;

/// <summary>Keys, buffers and the pieces of Swin pinned against hand-worked cases and timm's source.</summary>
public class SwinStructureTests
{
    /// <summary>Two stages (1 and 2 blocks), embed 8, window 2 on a 4x4 patch grid.</summary>
    private static readonly SwinConfig Tiny = new()
    {
        ImgSize = 16, PatchSize = 4, InChans = 3, NumClasses = 5, EmbedDim = 8, Depths = new[] { 1, 2 }, NumHeads = new[] { 1, 2 }, WindowSize = 2,
    };

    private static IEnumerable<(string, int[])> TimmBlock(string prefix, int c, int heads, int window) => new (string, int[])[]
    {
        ($"{prefix}.norm1.weight", new[] { c }), ($"{prefix}.norm1.bias", new[] { c }),
        ($"{prefix}.attn.relative_position_bias_table", new[] { (2 * window - 1) * (2 * window - 1), heads }),
        ($"{prefix}.attn.qkv.weight", new[] { 3 * c, c }), ($"{prefix}.attn.qkv.bias", new[] { 3 * c }),
        ($"{prefix}.attn.proj.weight", new[] { c, c }), ($"{prefix}.attn.proj.bias", new[] { c }),
        ($"{prefix}.norm2.weight", new[] { c }), ($"{prefix}.norm2.bias", new[] { c }),
        ($"{prefix}.mlp.fc1.weight", new[] { 4 * c, c }), ($"{prefix}.mlp.fc1.bias", new[] { 4 * c }),
        ($"{prefix}.mlp.fc2.weight", new[] { c, 4 * c }), ($"{prefix}.mlp.fc2.bias", new[] { c }),
    };

    [Fact]
    public void State_dict_has_timm_keys_and_shapes_with_merging_at_the_start_of_later_stages()
    {
        // timm >= 0.9 swin_transformer.py: PatchEmbed(proj, norm), SwinTransformerStage(downsample, blocks), norm,
        // ClassifierHead(fc); relative_position_index and attn_mask are non-persistent buffers.
        var expected = new (string, int[])[]
        {
            ("patch_embed.proj.weight", new[] { 8, 3, 4, 4 }), ("patch_embed.proj.bias", new[] { 8 }),
            ("patch_embed.norm.weight", new[] { 8 }), ("patch_embed.norm.bias", new[] { 8 }),
        }
            .Concat(TimmBlock("layers.0.blocks.0", 8, 1, 2))
            .Concat(new (string, int[])[]
            {
                ("layers.1.downsample.norm.weight", new[] { 32 }), ("layers.1.downsample.norm.bias", new[] { 32 }),
                ("layers.1.downsample.reduction.weight", new[] { 16, 32 }),
            })
            .Concat(TimmBlock("layers.1.blocks.0", 16, 2, 2)).Concat(TimmBlock("layers.1.blocks.1", 16, 2, 2))
            .Concat(new (string, int[])[]
            {
                ("norm.weight", new[] { 16 }), ("norm.bias", new[] { 16 }), ("head.fc.weight", new[] { 5, 16 }), ("head.fc.bias", new[] { 5 }),
            })
            .ToDictionary(e => e.Item1, e => e.Item2);
        var state = new SwinTransformer(Tiny).StateDict();
        Assert.Equal(expected.Keys.Order(), state.Keys.Order());
        foreach (var (k, shape) in expected) Assert.True(shape.SequenceEqual(state[k].Shape), $"{k}: {ShapeUtil.Format(state[k].Shape)} vs timm {ShapeUtil.Format(shape)}");
    }

    [Fact]
    public void Relative_position_index_is_a_buffer_outside_the_state_dict()
    {
        var model = new SwinTransformer(Tiny);
        var buffers = model.NamedBuffers().Select(b => b.Name).ToList();
        Assert.Contains("layers.1.blocks.1.attn.relative_position_index", buffers);
        Assert.DoesNotContain(model.NamedParameters(), p => p.Name.Contains("relative_position_index"));
        Assert.DoesNotContain(model.StateDict().Keys, k => k.Contains("relative_position_index"));
    }

    [Fact]
    public void Relative_position_index_of_a_2x2_window_indexes_the_3x3_offset_table_row_major()
    {
        // Tokens (0,0), (0,1), (1,0), (1,1); offset (dh, dw) -> (dh + 1) * 3 + (dw + 1).
        var expected = new long[] { 4, 3, 1, 0, 5, 4, 2, 1, 7, 6, 4, 3, 8, 7, 5, 4 };
        var index = SwinWindows.RelativePositionIndex(2);
        Assert.Equal(new[] { 4, 4 }, index.Shape);
        Assert.Equal(expected, index.ToLongArray());
    }

    [Fact]
    public void Relative_position_index_equals_torchvisions_buffer()
    {
        var tv = StateDictFile.Load(SwinFixture.TorchvisionCheckpoint)["features.1.0.attn.relative_position_index"];
        Assert.Equal(tv.ToLongArray(), SwinWindows.RelativePositionIndex(4).ToLongArray());
    }

    [Fact]
    public void Shift_mask_separates_the_regions_rolled_in_from_the_far_side()
    {
        // 4x4 map, window 2, shift 1: rows and columns fall in bands [0, 2), [2, 3), [3, 4), so the labels are
        //   0 0 1 2 / 0 0 1 2 / 3 3 4 5 / 6 6 7 8 and the four windows hold {0,0,0,0}, {1,2,1,2}, {3,3,6,6}, {4,5,7,8}.
        const float M = SwinWindows.MaskedScore;
        var expected = new float[]
        {
            0, 0, 0, 0, /**/ 0, 0, 0, 0, /**/ 0, 0, 0, 0, /**/ 0, 0, 0, 0,
            0, M, 0, M, /**/ M, 0, M, 0, /**/ 0, M, 0, M, /**/ M, 0, M, 0,
            0, 0, M, M, /**/ 0, 0, M, M, /**/ M, M, 0, 0, /**/ M, M, 0, 0,
            0, M, M, M, /**/ M, 0, M, M, /**/ M, M, 0, M, /**/ M, M, M, 0,
        };
        var mask = SwinWindows.ShiftMask(4, 4, 2, 1, 1);
        Assert.Equal(new[] { 4, 4, 4 }, mask.Shape);
        Assert.Equal(expected, mask.ToArray());
    }

    [Fact]
    public void Shift_mask_with_no_shift_along_one_axis_separates_columns_only()
    {
        // 2x4 map, window 2, shift (0, 1): one band of rows, so the labels are 0 0 1 2 in both rows.
        var mask = SwinWindows.ShiftMask(2, 4, 2, 0, 1).ToArray();
        Assert.All(mask.Take(16), v => Assert.Equal(0f, v));
        Assert.Equal(new float[] { 0, -100, 0, -100, -100, 0, -100, 0, 0, -100, 0, -100, -100, 0, -100, 0 }, mask.Skip(16));
    }

    [Fact]
    public void Window_partition_and_reverse_are_inverse_and_keep_windows_row_major()
    {
        var x = Tensor.FromArray(Enumerable.Range(0, 2 * 4 * 6).Select(i => (float)i).ToArray(), 1, 4, 6, 2);
        var windows = SwinWindows.Partition(x, 2);
        Assert.Equal(new[] { 6, 4, 2 }, windows.Shape);
        // Window 1 is rows 0-1, columns 2-3: tokens (0,2), (0,3), (1,2), (1,3); channel 0 of (r, c) is 2 (6r + c).
        Assert.Equal(new float[] { 4, 6, 16, 18 }, windows.Select(0, 1).Select(1, 0).ToArray());
        Assert.Equal(x.ToArray(), SwinWindows.Reverse(windows, 2, 4, 6).ToArray());
    }

    [Fact]
    public void Patch_merging_concatenates_each_2x2_group_row_offset_fastest()
    {
        var merge = new PatchMerging(1, new Generator(0));
        using var _ = GradMode.NoGrad();
        // Weights 1, 10, 100, 1000 on the concatenated channels read back their order.
        merge.Reduction.Weight.AsSpan().Clear();
        new float[] { 1, 10, 100, 1000 }.CopyTo(merge.Reduction.Weight.AsSpan());
        // (row, column) = (0,0) 0, (0,1) 2, (1,0) 1, (1,1) 3: the order (0,0), (1,0), (0,1), (1,1) concatenates 0, 1, 2, 3.
        var y = merge.Forward(Tensor.FromArray(new float[] { 0, 2, 1, 3 }, 1, 2, 2, 1));
        Assert.Equal(new[] { 1, 1, 1, 2 }, y.Shape);
        double mean = 1.5, std = Math.Sqrt((2.25 + 0.25 + 0.25 + 2.25) / 4 + 1e-5);
        double expected = new[] { 1.0, 10, 100, 1000 }.Select((w, i) => w * (i - mean) / std).Sum();
        Assert.Equal(expected, y.ToArray()[0], 0.01);
    }

    [Fact]
    public void Patch_merging_pads_an_odd_map_with_zeros()
    {
        var merge = new PatchMerging(2, new Generator(0));
        using var _ = GradMode.NoGrad();
        var odd = Tensor.Randn(new Generator(1), 1, 3, 5, 2);
        var padded = Ops.Pad(odd, new[] { 0, 0, 0, 1, 0, 1 });
        Assert.Equal(new[] { 1, 2, 3, 4 }, merge.Forward(odd).Shape);
        Assert.Equal(merge.Forward(padded).ToArray(), merge.Forward(odd).ToArray());
    }

    [Fact]
    public void Stochastic_depth_rises_linearly_over_all_blocks_as_timm()
    {
        var model = new SwinTransformer(Tiny with { DropPathRate = 0.3, Depths = new[] { 2, 2 } });
        var rates = model.Layers.SelectMany(s => s.Blocks).Select(b => b.DropPathRate).ToArray();
        Assert.Equal(new[] { 0.0, 0.1, 0.2, 0.3 }, rates.Select(r => Math.Round(r, 12)));
    }

    [Fact]
    public void Odd_blocks_shift_by_half_the_window_unless_one_window_covers_the_axis()
    {
        var model = SwinFixture.SwinTiny.Value;
        var stage0 = model.Layers[0].Blocks;
        Assert.Equal((false, true), (stage0[0].Shifted, stage0[1].Shifted));
        Assert.Equal((0, 3), (stage0[0].ShiftFor(56), stage0[1].ShiftFor(56)));
        Assert.Equal(0, model.Layers[3].Blocks[1].ShiftFor(7));
        Assert.Equal(new[] { 7, 7, 7, 7 }, model.Layers.Select(s => s.Blocks[0].Window));
        Assert.Equal(new[] { 8, 7 }, Enumerable.Range(0, 2).Select(i => (SwinPresets.SwinMnist with { PatchSize = 2, WindowSize = 8 }).StageWindow(i)));
    }

    [Fact]
    public void No_weight_decay_lists_every_relative_position_table()
    {
        var model = new SwinTransformer(Tiny);
        Assert.Equal(new[] { "layers.0.blocks.0.attn.relative_position_bias_table", "layers.1.blocks.0.attn.relative_position_bias_table", "layers.1.blocks.1.attn.relative_position_bias_table" },
            model.NoWeightDecay);
    }

    [Fact]
    public void Swin_tiny_costs_timms_4_51_gmacs_within_one_percent()
    {
        // timm's figure counts the norms too; the linear layers, conv and attention products are all but 0.5% of it.
        // Its own model: counting switches the model to eval and back, which would race the parity test's forward on
        // the shared fixture (seen: that forward ran with stochastic depth on and missed torchvision's logits by 37%).
        SwinTransformer model;
        using (Vitrum.Nn.Init.Skip()) model = new SwinTransformer(SwinPresets.SwinTinyPatch4Window7_224);
        double gmacs = ModelCost.Gmacs(new ModelInstance(SwinFamily.Instance, model.Config, model))!.Value;
        Assert.InRange(gmacs, 4.51 * 0.99, 4.51);
    }

    [Fact]
    public void Headless_model_returns_the_pooled_features()
    {
        var model = new SwinTransformer(Tiny with { NumClasses = 0 });
        model.Eval();
        Assert.DoesNotContain(model.StateDict().Keys, k => k.StartsWith("head", StringComparison.Ordinal));
        using var _ = GradMode.NoGrad();
        var x = Tensor.Randn(new Generator(3), 2, 3, 16, 16);
        var features = model.ForwardFeatures(x);
        Assert.Equal(new[] { 2, 2, 2, 16 }, features.Shape);
        Assert.Equal(Ops.Mean(features, new[] { 1, 2 }).ToArray(), model.Forward(x).ToArray());
    }
}
