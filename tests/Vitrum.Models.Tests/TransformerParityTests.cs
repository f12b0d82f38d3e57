using Vitrum.Models.Transformer;
using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;
using Xunit;
using Xunit.Abstractions;

namespace Vitrum.Models.Tests;

/// <summary>The Transformer against torch.nn.Transformer 1.13 (tests/fixtures/transformer/, made by tools/fixtures/gen_transformer.py).</summary>
public class TransformerParityTests(ITestOutputHelper output)
{
    private const double Tol = 1e-4;

    public static TheoryData<string> Cases() => new(TransformerFixture.Cases);

    [Theory, MemberData(nameof(Cases))]
    public void Logits_of_padded_batches_equal_torch_nn_transformer(string name)
    {
        var model = TransformerFixture.Model(name);
        Tensor logits;
        using (GradMode.NoGrad()) logits = model.Forward(TransformerFixture.Expected(name, "src"), TransformerFixture.Expected(name, "tgt"));
        var r = Agreement.Check(TransformerFixture.Expected(name, "logits"), logits, Tol, $"{name} logits");
        output.WriteLine($"{name}: logits max relative deviation {r:E2}");
    }

    [Theory, MemberData(nameof(Cases))]
    public void Gradients_of_every_parameter_equal_torch_and_are_finite(string name)
    {
        var model = TransformerFixture.Model(name);
        var logits = model.Forward(TransformerFixture.Expected(name, "src"), TransformerFixture.Expected(name, "tgt"));
        Ops.Sum(Ops.Mul(logits, TransformerFixture.Expected(name, "logit_weights"))).Backward();
        var expected = TransformerFixture.ExpectedGrads(name);
        var parameters = model.NamedParameters().ToList();
        Assert.Equal(expected.Keys.Order(), parameters.Select(p => p.Name).Order());
        double worst = 0;
        foreach (var (key, p) in parameters)
        {
            Assert.True(p.Grad != null, $"{key} received no gradient");
            Assert.True(p.Grad!.ToArray().Any(g => g != 0), $"{key}: gradient is all zero");
            worst = Math.Max(worst, Agreement.Check(expected[key], p.Grad!, Tol, $"{name} gradient of {key}"));
        }
        output.WriteLine($"{name}: {parameters.Count} parameter gradients, worst max relative deviation {worst:E2}");
    }

    [Theory, MemberData(nameof(Cases))]
    public void Greedy_decoding_equals_torch_greedy_decoding(string name)
    {
        var model = TransformerFixture.Model(name);
        var expected = TransformerFixture.Expected(name, "greedy");
        int n = expected.Shape[0], len = expected.Shape[1];
        var tokens = TransformerDecoding.Greedy(model, TransformerFixture.Expected(name, "src"), len, TransformerFixture.Bos, TransformerFixture.Eos);
        var e = expected.ToLongArray();
        for (int i = 0; i < n; i++)
            Assert.Equal(e.Skip(i * len).Take(len).TakeWhile(t => t >= 0).ToArray(), tokens[i]);
    }

    [Fact]
    public void State_dict_keys_are_torch_nn_transformer_names()
    {
        var keys = TransformerFixture.Model("post_relu").StateDict().Keys.ToHashSet();
        foreach (var k in new[]
        {
            "src_embed.weight", "tgt_embed.weight", "generator.weight", "generator.bias",
            "transformer.encoder.layers.1.self_attn.in_proj_weight", "transformer.encoder.layers.0.self_attn.out_proj.bias",
            "transformer.encoder.layers.0.linear1.weight", "transformer.encoder.layers.0.linear2.bias", "transformer.encoder.layers.0.norm2.weight",
            "transformer.encoder.norm.weight", "transformer.decoder.layers.1.multihead_attn.in_proj_bias", "transformer.decoder.layers.0.norm3.bias",
            "transformer.decoder.norm.bias",
        })
            Assert.Contains(k, keys);
    }

    [Fact]
    public void A_sequence_of_only_padding_gives_finite_logits_and_gradients()
    {
        var model = TransformerFixture.Model("post_relu");
        var src = Tensor.FromLongs([4, 5, 6, 0, 0, 0, 0, 0], 2, 4);
        var tgt = Tensor.FromLongs([1, 7, 8, 1, 0, 0], 2, 3);
        var logits = model.Forward(src, tgt);
        Assert.All(logits.ToArray(), v => Assert.True(float.IsFinite(v)));
        Ops.Sum(logits).Backward();
        foreach (var (key, p) in model.NamedParameters())
            Assert.All(p.Grad!.ToArray(), g => Assert.True(float.IsFinite(g), $"{key}: non-finite gradient"));
    }
}
