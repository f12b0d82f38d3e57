using System.Text.Json;
using Vitrum.Nn.Tests.Support;
using Vitrum.Tensors;
using Vitrum.Tensors.Tests.Support;
using Xunit;

namespace Vitrum.Nn.Tests;

/// <summary>
/// Every layer against PyTorch (tests/fixtures/nn/layers.json, made by tools/fixtures/gen_layers.py): the
/// module is loaded from the torch state dict with <see cref="Module.LoadStateDict"/> (strict, so the key
/// names are checked), run forward, and sum(output * w) is backpropagated; output, input gradients,
/// parameter gradients and (batch norm in training) the updated buffers must match.
/// </summary>
public class LayerFixtureTests
{
    private const double Rtol = 1e-5, Atol = 1e-5;
    private static JsonElement[] All => NnFixtures.Document("layers").GetProperty("cases").EnumerateArray().ToArray();

    public static TheoryData<string> Cases() => new(All.Select(c => c.GetProperty("name").GetString()!));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Layer_loaded_from_the_pytorch_state_dict_matches_output_and_gradients(string name)
    {
        var c = All.Single(e => e.GetProperty("name").GetString() == name);
        var (module, forward) = Build(c.GetProperty("layer").GetString()!, c.GetProperty("args"), c.GetProperty("masks"));
        module.LoadStateDict(TensorsOf(c.GetProperty("state")));
        module.Train(c.GetProperty("train").GetBoolean());
        var inputs = c.GetProperty("inputs").EnumerateArray().Select(Fixture.ToTensor).ToArray();
        foreach (var x in inputs) x.RequiresGrad = x.DType == DType.Float32;

        var output = forward(inputs);
        var expected = Fixture.ToTensor(c.GetProperty("output"));
        Assert.True(ShapeUtil.SameShape(expected.Shape, output.Shape), $"{name}: output {ShapeUtil.Format(output.Shape)}, PyTorch {ShapeUtil.Format(expected.Shape)}");
        GradCheck.Close(expected.ToArray(), output.ToArray(), Rtol, Atol, $"{name} output");

        Ops.Sum(Ops.Mul(output, Fixture.ToTensor(c.GetProperty("w")))).Backward();
        var inputGrads = c.GetProperty("input_grads").EnumerateArray().ToArray();
        for (int i = 0; i < inputs.Length; i++)
        {
            if (inputGrads[i].ValueKind == JsonValueKind.Null) continue;
            Assert.True(inputs[i].Grad != null, $"{name}: input {i} received no gradient");
            GradCheck.Close(Fixture.ToTensor(inputGrads[i]).ToArray(), inputs[i].Grad!.ToArray(), Rtol, Atol, $"{name} grad of input {i}");
        }
        var parameters = module.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
        var paramGrads = c.GetProperty("param_grads").EnumerateObject().ToArray();
        Assert.Equal(paramGrads.Select(p => p.Name).Order(), parameters.Keys.Order());
        foreach (var p in paramGrads)
        {
            Assert.True(parameters[p.Name].Grad != null, $"{name}: parameter {p.Name} received no gradient");
            GradCheck.Close(Fixture.ToTensor(p.Value).ToArray(), parameters[p.Name].Grad!.ToArray(), Rtol, Atol, $"{name} grad of {p.Name}");
        }
        if (c.TryGetProperty("state_after", out var after)) CheckBuffers(name, module, after);
    }

    private static void CheckBuffers(string name, Module module, JsonElement after)
    {
        var state = module.StateDict();
        foreach (var b in after.EnumerateObject())
        {
            var expected = Fixture.ToTensor(b.Value);
            if (expected.DType == DType.Int64) Assert.Equal(expected.ToLongArray(), state[b.Name].ToLongArray());
            else GradCheck.Close(expected.ToArray(), state[b.Name].ToArray(), Rtol, Atol, $"{name} {b.Name} after the step");
        }
    }

    private static Dictionary<string, Tensor> TensorsOf(JsonElement obj) =>
        obj.EnumerateObject().ToDictionary(p => p.Name, p => Fixture.ToTensor(p.Value));

    private static (Module, Func<Tensor[], Tensor>) Unary(Module<Tensor, Tensor> m) => (m, x => m.Forward(x[0]));

    private static Size2 Pair(JsonElement a, string key) => (a.GetProperty(key)[0].GetInt32(), a.GetProperty(key)[1].GetInt32());

    /// <summary>Our layer for the fixture's torch module, with the constructor arguments the generator used.</summary>
    private static (Module, Func<Tensor[], Tensor>) Build(string layer, JsonElement a, JsonElement masks)
    {
        int I(string k) => a.GetProperty(k).GetInt32();
        bool B(string k) => a.GetProperty(k).GetBoolean();
        float F(string k) => (float)a.GetProperty(k).GetDouble();
        switch (layer)
        {
            case "linear": return Unary(new Linear(I("in"), I("out"), B("bias")));
            case "conv2d":
                return Unary(new Conv2d(I("in"), I("out"), Pair(a, "kernel"), Pair(a, "stride"), Pair(a, "padding"), Pair(a, "dilation"), I("groups"), B("bias")));
            case "layer_norm": return Unary(new LayerNorm(a.GetProperty("shape").EnumerateArray().Select(v => v.GetInt32()).ToArray(), F("eps")));
            case "batch_norm2d": return Unary(new BatchNorm2d(I("channels"), F("eps"), F("momentum")));
            case "frozen_batch_norm2d": return Unary(new FrozenBatchNorm2d(I("channels")));
            case "embedding": return Unary(new Embedding(I("num"), I("dim"), I("padding_idx")));
            case "mlp": return Unary(new Mlp(I("in"), I("hidden"), I("out"), bias: B("bias")));
            case "attention": return Unary(new Attention(I("dim"), I("heads"), B("qkv_bias")));
            case "layer_scale": return Unary(new LayerScale(I("dim")));
            case "mha":
                var mha = new MultiheadAttention(I("embed"), I("heads"), B("bias"), B("batch_first"));
                Tensor? Mask(string k) => masks.TryGetProperty(k, out var m) ? Fixture.ToTensor(m) : null;
                var (padding, attnMask) = (Mask("key_padding_mask"), Mask("attn_mask"));
                return B("self")
                    ? (mha, x => mha.Forward(x[0], x[0], x[0], padding, attnMask))
                    : (mha, x => mha.Forward(x[0], x[1], x[2], padding, attnMask));
            default: throw new InvalidOperationException($"no layer for fixture layer {layer}");
        }
    }
}
