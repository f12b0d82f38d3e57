using Vitrum.Tensors;

namespace Vitrum.Nn;

/// <summary>
/// In-place initializers with PyTorch's (torch.nn.init) and timm's definitions of fan and bounds. Each
/// takes the <see cref="Generator"/> so that a seeded model is reproducible.
/// </summary>
public static class Init
{
    [ThreadStatic] private static int _skipDepth;

    /// <summary>
    /// Until disposed, the initializers on this thread leave tensors as they are (zeros): for building a model whose
    /// weights are loaded next or that is only measured (<c>vitrum models</c>), where drawing ViT-B's 86M values costs
    /// seconds for nothing.
    /// </summary>
    public static IDisposable Skip()
    {
        _skipDepth++;
        return new SkipScope();
    }

    private sealed class SkipScope : IDisposable
    {
        private bool _done;

        public void Dispose()
        {
            if (_done) return;
            _done = true;
            _skipDepth--;
        }
    }

    private static bool Skipping => _skipDepth > 0;

    /// <summary>(fan_in, fan_out) as torch.nn.init computes them: dims 1 and 0 times the receptive field.</summary>
    public static (int FanIn, int FanOut) Fans(Tensor t)
    {
        if (t.Rank < 2) throw new ArgumentException($"Init: fan in/out needs at least 2 dims, got {ShapeUtil.Format(t.Shape)}");
        int receptive = 1;
        for (int i = 2; i < t.Rank; i++) receptive *= t.Shape[i];
        return (t.Shape[1] * receptive, t.Shape[0] * receptive);
    }

    public static Tensor Uniform(Tensor t, double low, double high, Generator gen)
    {
        if (Skipping) return t;
        var s = t.AsSpan();
        for (int i = 0; i < s.Length; i++) s[i] = (float)(low + (high - low) * gen.NextDouble());
        return t;
    }

    public static Tensor Normal(Tensor t, double mean, double std, Generator gen)
    {
        if (Skipping) return t;
        var s = t.AsSpan();
        for (int i = 0; i < s.Length; i++) s[i] = (float)(mean + std * gen.NextNormal());
        return t;
    }

    /// <summary>timm/torch trunc_normal_: normal(mean, std) restricted to the absolute interval [a, b] (by rejection).</summary>
    public static Tensor TruncNormal(Tensor t, Generator gen, double mean = 0, double std = 1, double a = -2, double b = 2)
    {
        if (Skipping) return t;
        if (!(a < b)) throw new ArgumentException($"TruncNormal: empty interval [{a}, {b}]");
        if ((a - mean) / std > 6 || (b - mean) / std < -6)
            throw new ArgumentException($"TruncNormal: interval [{a}, {b}] lies too far from the mean {mean} for std {std}");
        var s = t.AsSpan();
        for (int i = 0; i < s.Length; i++)
        {
            double v;
            do v = mean + std * gen.NextNormal(); while (v < a || v > b);
            s[i] = (float)v;
        }
        return t;
    }

    public static Tensor XavierUniform(Tensor t, Generator gen, double gain = 1)
    {
        if (Skipping) return t;
        var (fi, fo) = Fans(t);
        double bound = gain * Math.Sqrt(6.0 / (fi + fo));
        return Uniform(t, -bound, bound, gen);
    }

    public static Tensor XavierNormal(Tensor t, Generator gen, double gain = 1)
    {
        if (Skipping) return t;
        var (fi, fo) = Fans(t);
        return Normal(t, 0, gain * Math.Sqrt(2.0 / (fi + fo)), gen);
    }

    /// <summary>Gain for leaky_relu with negative slope a (a = 0 is ReLU), as torch.nn.init.calculate_gain.</summary>
    private static double LeakyReluGain(double a) => Math.Sqrt(2.0 / (1 + a * a));

    /// <summary>kaiming_uniform_ with mode fan_in; a = sqrt(5) gives nn.Linear/nn.Conv2d's default weight init.</summary>
    public static Tensor KaimingUniform(Tensor t, Generator gen, double a = 0, bool fanOut = false)
    {
        if (Skipping) return t;
        var (fi, fo) = Fans(t);
        double bound = LeakyReluGain(a) * Math.Sqrt(3.0 / (fanOut ? fo : fi));
        return Uniform(t, -bound, bound, gen);
    }

    public static Tensor KaimingNormal(Tensor t, Generator gen, double a = 0, bool fanOut = false)
    {
        if (Skipping) return t;
        var (fi, fo) = Fans(t);
        return Normal(t, 0, LeakyReluGain(a) / Math.Sqrt(fanOut ? fo : fi), gen);
    }

    public static Tensor Constant(Tensor t, float value)
    {
        if (Skipping) return t;
        t.AsSpan().Fill(value);
        return t;
    }
}
