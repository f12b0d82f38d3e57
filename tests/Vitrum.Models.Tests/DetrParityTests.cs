using Vitrum.Models.Detr;
using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;
using Xunit;
using Xunit.Abstractions;

namespace Vitrum.Models.Tests;

/// <summary>
/// Small DETRs against the official facebookresearch/detr code (tests/fixtures/detr/model_*.safetensors, made by
/// tools/fixtures/gen_detr.py): a padded batch of two image sizes, post-norm with sine positions, DC5 and pre-norm
/// with learned positions.
/// </summary>
public class DetrParityTests(ITestOutputHelper output)
{
    private const double Tol = 1e-4;

    public static TheoryData<string> Cases() => new(DetrModelFixture.Configs.Keys);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Pred_logits_pred_boxes_and_every_aux_output_equal_the_official_model(string name)
    {
        var model = DetrModelFixture.Model(name);
        DetrOutput result;
        using (GradMode.NoGrad()) result = model.Forward(DetrModelFixture.Batch(name));

        var outputs = DetrModelFixture.Flatten(result).ToList();
        Assert.Equal(4, outputs.Count);
        double worst = outputs.Max(o => Agreement.Check(DetrModelFixture.Get(name, o.Name), o.Value, Tol, $"{name} {o.Name}"));
        output.WriteLine($"{name}: {outputs.Count} outputs, worst relative deviation {worst:E2}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_trained_parameter_gets_the_official_gradient_and_the_frozen_stem_and_layer1_get_none(string name)
    {
        var model = DetrModelFixture.Model(name);
        var outputs = DetrModelFixture.Flatten(model.Forward(DetrModelFixture.Batch(name)))
            .Select(o => Ops.Sum(Ops.Mul(o.Value, DetrModelFixture.Get(name, "w." + o.Name)))).ToList();
        outputs.Aggregate(Ops.Add).Backward();

        var expected = DetrModelFixture.WithPrefix(name, "grads.");
        var parameters = model.NamedParameters().ToList();
        var trained = parameters.Where(p => p.Parameter.RequiresGrad).ToList();
        Assert.Equal(expected.Keys.Order(), trained.Select(p => p.Name).Order());
        // The first decoder layer's queries start at zero, so its self-attention sees one value for every query and its
        // query/key projections get a gradient that is zero analytically: rounding noise (1e-9) in both implementations.
        // A tensor's deviation is therefore measured against its own largest value or 1e-3 of the model's largest
        // gradient, whichever is larger.
        double floor = 1e-3 * expected.Values.Max(g => g.ToArray().Max(MathF.Abs));
        double worst = 0;
        foreach (var (key, p) in trained)
        {
            Assert.True(p.Grad != null, $"{key} received no gradient");
            var (e, a) = (expected[key].ToArray(), p.Grad!.ToArray());
            Assert.Equal(e.Length, a.Length);
            Assert.DoesNotContain(a, v => !float.IsFinite(v));
            double scale = Math.Max(e.Max(MathF.Abs), floor), deviation = e.Zip(a, (x, y) => Math.Abs(x - y)).Max() / scale;
            Assert.True(deviation <= Tol, $"{name} gradient of {key}: max deviation {deviation:E3} of max(|expected|, floor {floor:E2}) exceeds {Tol:E1}");
            worst = Math.Max(worst, deviation);
        }
        var frozen = parameters.Where(p => !p.Parameter.RequiresGrad).ToList();
        Assert.NotEmpty(frozen);
        Assert.All(frozen, p => Assert.Matches(@"^backbone\.0\.body\.(conv1|layer1)\.", p.Name));
        Assert.All(frozen, p => Assert.Null(p.Parameter.Grad));
        output.WriteLine($"{name}: {trained.Count} gradients, worst relative deviation {worst:E2}; {frozen.Count} frozen");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_second_image_s_padding_reaches_the_feature_map_so_the_parity_covers_the_masks(string name)
    {
        var model = DetrModelFixture.Model(name);
        var images = DetrModelFixture.Get(name, "images");
        var mask = DetrModelFixture.Get(name, "mask").ToLongArray();
        var padding = new PaddingMask(Array.ConvertAll(mask, v => v != 0), images.Shape[0], images.Shape[2], images.Shape[3]);
        using var _ = GradMode.NoGrad();

        var (features, featureMask, _) = model.Backbone.Forward(images, padding);

        int cells = features.Shape[2] * features.Shape[3];
        Assert.Equal(cells * 2, featureMask.Flags.Length);
        Assert.DoesNotContain(true, featureMask.Flags.Take(cells));
        Assert.Contains(true, featureMask.Flags.Skip(cells));
        Assert.Contains(false, featureMask.Flags.Skip(cells));
    }
}
