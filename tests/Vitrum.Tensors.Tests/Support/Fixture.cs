using System.Text.Json;
using Vitrum.Tensors;
using Xunit;

namespace Vitrum.Tensors.Tests.Support;

/// <summary>One PyTorch reference case from tests/fixtures/ops/FAMILY.json (see tools/fixtures/common.py).</summary>
public sealed class FixtureCase
{
    private readonly JsonElement _e;
    public FixtureCase(JsonElement e) => _e = e;

    public string Name => _e.GetProperty("name").GetString()!;
    public string Op => _e.GetProperty("op").GetString()!;
    public int InputCount => _e.GetProperty("inputs").GetArrayLength();

    /// <summary>A fresh tensor for input <paramref name="i"/> (bool inputs come back as int64 0/1).</summary>
    public Tensor Input(int i) => Fixture.ToTensor(_e.GetProperty("inputs")[i]);
    public Tensor[] Inputs() => Enumerable.Range(0, InputCount).Select(Input).ToArray();
    public JsonElement Output => _e.GetProperty("output");
    public bool HasGrads => _e.TryGetProperty("grads", out _);
    public JsonElement GradOutput => _e.GetProperty("grad_output");
    public JsonElement? Grad(int i) => _e.GetProperty("grads")[i].ValueKind == JsonValueKind.Null ? null : _e.GetProperty("grads")[i];

    public JsonElement Arg(string name) => _e.GetProperty("args").GetProperty(name);
    public bool HasArg(string name) => _e.GetProperty("args").TryGetProperty(name, out _);
    public int IntArg(string name) => Arg(name).GetInt32();
    public double DoubleArg(string name) => Arg(name).GetDouble();
    public bool BoolArg(string name) => Arg(name).GetBoolean();
    public int[] IntsArg(string name) => Arg(name).EnumerateArray().Select(v => v.GetInt32()).ToArray();

    public override string ToString() => Name;
}

public static class Fixture
{
    private static readonly Dictionary<string, FixtureCase[]> Cache = new();

    public static FixtureCase[] Load(string family)
    {
        lock (Cache)
        {
            if (Cache.TryGetValue(family, out var c)) return c;
            var path = Path.Combine(AppContext.BaseDirectory, "fixtures", "ops", family + ".json");
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            c = doc.RootElement.GetProperty("cases").EnumerateArray().Select(e => new FixtureCase(e.Clone())).ToArray();
            Cache[family] = c;
            return c;
        }
    }

    public static FixtureCase Get(string family, string name) =>
        Load(family).FirstOrDefault(c => c.Name == name) ?? throw new KeyNotFoundException($"fixture {family}/{name} not found");

    public static Tensor ToTensor(JsonElement t)
    {
        var shape = t.GetProperty("shape").EnumerateArray().Select(v => v.GetInt32()).ToArray();
        var dtype = t.GetProperty("dtype").GetString();
        var data = t.GetProperty("data");
        if (dtype == "float32")
        {
            var tensor = Tensor.FromArray(data.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray(), shape);
            return shape.Length == 0 ? tensor.Reshape() : tensor;
        }
        var longs = dtype == "bool"
            ? data.EnumerateArray().Select(v => v.GetBoolean() ? 1L : 0L).ToArray()
            : data.EnumerateArray().Select(v => v.GetInt64()).ToArray();
        var lt = Tensor.FromLongs(longs, shape);
        return shape.Length == 0 ? lt.Reshape() : lt;
    }

    /// <summary>
    /// Runs <paramref name="f"/> on the case's inputs, compares the output with PyTorch's, then
    /// backpropagates PyTorch's output gradient and compares every input gradient.
    /// </summary>
    public static void Check(FixtureCase c, Func<Tensor[], Tensor> f, double rtol = 1e-5, double atol = 1e-5)
    {
        var inputs = c.Inputs();
        bool grads = c.HasGrads;
        if (grads)
            for (int i = 0; i < inputs.Length; i++)
                if (c.Grad(i) != null) inputs[i].RequiresGrad = true;
        var output = f(inputs);
        var expected = ToTensor(c.Output);
        Assert.True(ShapeUtil.SameShape(expected.Shape, output.Shape),
            $"{c.Name}: output shape {ShapeUtil.Format(output.Shape)}, PyTorch {ShapeUtil.Format(expected.Shape)}");
        GradCheck.Close(expected.ToArray(), output.ToArray(), rtol, atol, $"{c.Name} output");
        if (!grads) return;
        output.Backward(ToTensor(c.GradOutput));
        for (int i = 0; i < inputs.Length; i++)
        {
            var g = c.Grad(i);
            if (g == null) continue;
            Assert.True(inputs[i].Grad != null, $"{c.Name}: input {i} received no gradient");
            GradCheck.Close(ToTensor(g.Value).ToArray(), inputs[i].Grad!.ToArray(), rtol, atol, $"{c.Name} grad of input {i}");
        }
    }
}
