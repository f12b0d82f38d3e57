using System.Text.Json;
using Vitrum.Nn.Optim;
using Vitrum.Tensors;
using Xunit;

namespace Vitrum.Nn.Tests;

/// <summary>Optimizers, clipping and schedules against torch 1.13 (tests/fixtures/nn/optim.json, tools/fixtures/gen_optim.py).</summary>
public class OptimizerTests
{
    private static readonly JsonElement Root = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "nn", "optim.json"))).RootElement;

    private static float[] Floats(JsonElement e) => e.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
    private static int[] Ints(JsonElement e) => e.EnumerateArray().Select(v => v.GetInt32()).ToArray();

    private static void Close(float[] expected, float[] actual, double rtol, string what)
    {
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-6 + rtol * Math.Abs(expected[i]), $"{what}[{i}]: {actual[i]} vs PyTorch {expected[i]}");
    }

    public static TheoryData<string> Cases() => new(Root.GetProperty("cases").EnumerateArray().Select(c => c.GetProperty("name").GetString()!));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Ten_step_trajectory_matches_pytorch(string name)
    {
        var c = Root.GetProperty("cases").EnumerateArray().First(x => x.GetProperty("name").GetString() == name);
        var a = c.GetProperty("args");
        double Arg(string k, double d) => a.TryGetProperty(k, out var v) ? v.GetDouble() : d;
        var shapes = Root.GetProperty("shapes").EnumerateArray().Select(Ints).ToArray();
        var ps = Root.GetProperty("params").EnumerateArray().Select((p, i) => Tensor.FromArray(Floats(p), shapes[i]).RequireGrad()).ToArray();
        var groups = new[] { new ParamGroup(ps, Arg("lr", 0), Arg("weight_decay", name == "adamw" ? 0.01 : 0)) };
        Optimizer opt = name switch
        {
            "sgd" => new Sgd(groups),
            "sgd_momentum_wd" => new Sgd(groups, Arg("momentum", 0), Arg("dampening", 0)),
            "sgd_nesterov" => new Sgd(groups, Arg("momentum", 0), nesterov: true),
            "adam" or "adam_l2" => new Adam(groups, Arg("beta1", 0.9), Arg("beta2", 0.999), Arg("eps", 1e-8)),
            "adamw" => new AdamW(groups),
            _ => throw new InvalidOperationException(name),
        };
        var grads = Root.GetProperty("grads").EnumerateArray().ToArray();
        var traj = c.GetProperty("trajectory").EnumerateArray().ToArray();
        for (int s = 0; s < 10; s++)
        {
            var gs = grads[s].EnumerateArray().ToArray();
            for (int i = 0; i < ps.Length; i++) { ps[i].ZeroGrad(); ps[i].Grad = Tensor.FromArray(Floats(gs[i]), shapes[i]); }
            opt.Step();
            var expected = traj[s].EnumerateArray().ToArray();
            for (int i = 0; i < ps.Length; i++) Close(Floats(expected[i]), ps[i].ToArray(), 1e-5, $"{name} step {s + 1} param {i}");
        }
    }

    [Fact]
    public void Clip_grad_norm_matches_pytorch()
    {
        var clip = Root.GetProperty("clip");
        var shapes = Root.GetProperty("shapes").EnumerateArray().Select(Ints).ToArray();
        var ins = clip.GetProperty("grads_in").EnumerateArray().ToArray();
        var ps = shapes.Select((s, i) => { var p = Tensor.Zeros(s).RequireGrad(); p.Grad = Tensor.FromArray(Floats(ins[i]), s); return p; }).ToArray();
        double total = GradClip.ClipGradNorm(ps, clip.GetProperty("max_norm").GetDouble());
        Assert.Equal(clip.GetProperty("total").GetDouble(), total, 4);
        var outs = clip.GetProperty("grads_out").EnumerateArray().ToArray();
        for (int i = 0; i < ps.Length; i++) Close(Floats(outs[i]), ps[i].Grad!.ToArray(), 1e-5, $"clipped grad {i}");
    }

    [Fact]
    public void Schedules_match_pytorch_schedulers()
    {
        var s = Root.GetProperty("schedules");
        var cos = new WarmupCosine(0.1, 0, 20, minLr: 1e-4);
        var expCos = s.GetProperty("cosine").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        for (int i = 0; i <= 20; i++) Assert.Equal(expCos[i], cos.LrAt(i), 9);
        var step = new StepDecay(0.1, 3, 0.5);
        var expStep = s.GetProperty("step").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        for (int i = 0; i < expStep.Length; i++) Assert.Equal(expStep[i], step.LrAt(i), 12);
        var noam = new NoamSchedule(512, 40);
        var expNoam = s.GetProperty("noam").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        for (int i = 0; i < expNoam.Length; i++) Assert.Equal(expNoam[i], noam.LrAt(i), 12);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Large_tensor_update_equals_the_scalar_formula_bit_for_bit(bool decoupled)
    {
        // 100,003 elements: pool chunks, vector lanes and a scalar tail all take part.
        const int n = 100_003;
        var rnd = new Random(5);
        var init = Enumerable.Range(0, n).Select(_ => (float)(rnd.NextDouble() * 2 - 1)).ToArray();
        var grads = Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, n).Select(_ => (float)(rnd.NextDouble() - 0.5)).ToArray()).ToArray();
        var p = Tensor.FromArray(init, n);
        p.RequiresGrad = true;
        var group = new ParamGroup(new[] { p }, 0.01, 0.1);
        Optimizer opt = decoupled ? new AdamW(new[] { group }, 0.9, 0.98, 1e-6) : new Adam(new[] { group }, 0.9, 0.98, 1e-6);
        var want = (float[])init.Clone();
        var m = new float[n];
        var v = new float[n];
        for (int step = 1; step <= 3; step++)
        {
            p.Grad = Tensor.FromArray(grads[step - 1], n);
            opt.Step();
            float stepSize = (float)(0.01 / (1 - Math.Pow(0.9, step))), bc2 = (float)Math.Sqrt(1 - Math.Pow(0.98, step));
            float decay = (float)(1 - 0.01 * 0.1);
            for (int i = 0; i < n; i++)
            {
                float g = grads[step - 1][i];
                if (decoupled) want[i] *= decay;
                else g += 0.1f * want[i];
                m[i] = m[i] * 0.9f + (float)(1 - 0.9) * g;
                v[i] = v[i] * 0.98f + (float)(1 - 0.98) * g * g;
                want[i] -= stepSize * (m[i] / (MathF.Sqrt(v[i]) / bc2 + 1e-6f));
            }
        }
        var got = p.AsSpan().ToArray();
        for (int i = 0; i < n; i++) Assert.True(want[i] == got[i], $"element {i}: {got[i]} != {want[i]}");
    }

    [Fact]
    public void Cooldown_keeps_the_inner_rate_then_falls_linearly_to_zero_at_the_last_step()
    {
        var noam = new NoamSchedule(128, 10, 2.0);
        var s = new LinearCooldown(noam, 100, 40);
        for (int i = 0; i <= 60; i++) Assert.Equal(noam.LrAt(i), s.LrAt(i), 15);
        Assert.Equal(noam.LrAt(70) * 30 / 40, s.LrAt(70), 15);
        Assert.Equal(noam.LrAt(99) / 40, s.LrAt(99), 15);
        Assert.Equal(0, s.LrAt(100));
        Assert.Equal(0, s.LrAt(150));
        Assert.Throws<ArgumentException>(() => new LinearCooldown(noam, 100, 101));
        Assert.Throws<ArgumentException>(() => new LinearCooldown(noam, 100, 0));
    }

    [Fact]
    public void Warmup_rises_linearly_then_cosine_reaches_min_at_the_end()
    {
        var s = new WarmupCosine(1.0, 10, 110, minLr: 0.01, warmupLrInit: 0.1);
        Assert.Equal(0.1, s.LrAt(0), 12);
        Assert.Equal(0.55, s.LrAt(5), 12);
        Assert.Equal(1.0, s.LrAt(10), 12);
        Assert.Equal(0.505, s.LrAt(60), 9);
        Assert.Equal(0.01, s.LrAt(110), 12);
        Assert.Equal(0.01, s.LrAt(500), 12);
    }

    [Fact]
    public void Weight_decay_split_puts_biases_norms_and_named_tokens_in_the_no_decay_group()
    {
        var model = new Sequential(new Linear(4, 3), new Linear(3, 2));
        var groups = ParamGroup.WeightDecaySplit(model, 1e-3, 0.05, new[] { "1.weight" });
        Assert.Equal(0, groups[0].WeightDecay);
        Assert.Equal(3, groups[0].Params.Count);
        Assert.Single(groups[1].Params);
        Assert.Same(((Linear)model[0]).Weight, groups[1].Params[0]);
    }

    [Fact]
    public void Ema_moves_the_shadow_towards_the_model_by_one_minus_decay()
    {
        var model = new Linear(2, 1);
        var ema = new ExponentialMovingAverage(model, 0.9);
        var before = ema.StateDict()["weight"].ToArray();
        model.Weight.AsSpan().Fill(1f);
        ema.Update(model);
        var after = ema.StateDict()["weight"].ToArray();
        for (int i = 0; i < 2; i++) Assert.Equal(0.9f * before[i] + 0.1f, after[i], 6);
    }
}
