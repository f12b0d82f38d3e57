using Vitrum.Models.Detr;
using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;
using Xunit;

namespace Vitrum.Models.Tests;

/// <summary>DETR's behaviour beyond the official fixtures: masks, modes, auxiliary outputs, folding and bad inputs.</summary>
public class DetrModelTests
{
    private static DetrOutput Eval(DetrModel model, ImageBatch batch)
    {
        using var _ = GradMode.NoGrad();
        return model.Forward(batch);
    }

    private static double Deviation(DetrOutput a, DetrOutput b) =>
        DetrModelFixture.Flatten(a).Zip(DetrModelFixture.Flatten(b), (x, y) => Agreement.MaxRelative(x.Value, y.Value)).Max();

    [Fact]
    public void Without_a_mask_nothing_is_padding()
    {
        var model = DetrModelFixture.Model("r18");
        var images = DetrModelFixture.Get("r18", "images");

        var unmasked = Eval(model, new ImageBatch(images));
        var zeros = Eval(model, new ImageBatch(images, Tensor.LongZeros(images.Shape[0], images.Shape[2], images.Shape[3])));
        var padded = Eval(model, DetrModelFixture.Batch("r18"));

        Assert.Equal(0, Deviation(unmasked, zeros));
        Assert.True(Deviation(unmasked, padded) > 1e-3, "the fixture's padding should change the second image's outputs");
    }

    [Fact]
    public void Without_aux_loss_only_the_last_decoder_layer_is_returned_and_it_is_unchanged()
    {
        var instance = ModelRegistry.Build(DetrModelFixture.Configs["r18"] with { AuxLoss = false });
        instance.LoadWeights(DetrModelFixture.State("r18"), "model_r18.safetensors");
        instance.Module.Eval();

        var output = Eval((DetrModel)instance.Module, DetrModelFixture.Batch("r18"));

        Assert.Empty(output.AuxOutputs);
        Agreement.Check(DetrModelFixture.Get("r18", "pred_logits"), output.PredLogits, 1e-4, "pred_logits");
        Agreement.Check(DetrModelFixture.Get("r18", "pred_boxes"), output.PredBoxes, 1e-4, "pred_boxes");
    }

    [Fact]
    public void Training_mode_applies_the_configured_dropout_and_dropout_0_trains_like_eval()
    {
        var batch = DetrModelFixture.Batch("r18");
        var model = DetrModelFixture.Model("r18");
        var eval = Eval(model, batch);
        model.Train();
        Assert.True(Deviation(eval, Eval(model, batch)) > 1e-3, "dropout 0.1 should change training-mode outputs");

        var instance = ModelRegistry.Build(DetrModelFixture.Configs["r18"] with { Dropout = 0 });
        instance.LoadWeights(DetrModelFixture.State("r18"), "model_r18.safetensors");
        instance.Module.Train();
        Assert.True(Deviation(eval, Eval((DetrModel)instance.Module, batch)) <= 1e-6);
    }

    [Theory]
    [InlineData("r18")]
    [InlineData("dc5")]
    public void Folding_the_frozen_norms_for_inference_keeps_the_outputs(string name)
    {
        var model = DetrModelFixture.Model(name);
        var batch = DetrModelFixture.Batch(name);
        var plain = Eval(model, batch);

        model.FuseForInference();

        Assert.True(model.Backbone.Backbone.Body.Model.IsFused);
        Assert.True(Deviation(plain, Eval(model, batch)) <= 1e-5);
    }

    [Fact]
    public void Bad_inputs_are_refused_naming_the_shapes()
    {
        var model = DetrModelFixture.Model("r18");
        var images = DetrModelFixture.Get("r18", "images");

        var e = Assert.Throws<ArgumentException>(() => model.Forward(Tensor.Zeros(2, 1, 64, 80)));
        Assert.Contains("images are Float32 [2, 1, 64, 80], expected a non-empty Float32 [B, 3, H, W]", e.Message);
        e = Assert.Throws<ArgumentException>(() => model.Forward(new ImageBatch(images, Tensor.LongZeros(2, 64, 79))));
        Assert.Contains("mask [2, 64, 79] is not [2, 64, 80]", e.Message);
        var secondAllPadding = Enumerable.Range(0, 2 * 64 * 80).Select(i => i < 64 * 80 ? 0L : 1L).ToArray();
        e = Assert.Throws<ArgumentException>(() => model.Forward(new ImageBatch(images, Tensor.FromLongs(secondAllPadding, 2, 64, 80))));
        Assert.Contains("every pixel of image 1 as padding", e.Message);
    }

    [Fact]
    public void Learned_positions_refuse_feature_maps_beyond_their_50_cells()
    {
        var model = DetrModelFixture.Model("prenorm");
        var e = Assert.Throws<ArgumentException>(() => model.Forward(Tensor.Zeros(1, 3, 32, 51 * 32)));
        Assert.Contains("a 1 x 51 feature map exceeds the 50 x 50 cells", e.Message);
    }
}
