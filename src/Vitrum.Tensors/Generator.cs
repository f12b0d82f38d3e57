namespace Vitrum.Tensors;

/// <summary>
/// Seeded xoshiro256** random generator. Its state can be saved and restored, so a resumed training
/// run draws the same numbers as an uninterrupted one.
/// </summary>
public sealed class Generator
{
    private ulong _s0, _s1, _s2, _s3;

    public Generator(ulong seed) => Reseed(seed);

    public void Reseed(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix(ref x); _s1 = SplitMix(ref x); _s2 = SplitMix(ref x); _s3 = SplitMix(ref x);
    }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 24 random bits.</summary>
    public float NextFloat() => (NextUInt64() >> 40) * (1.0f / (1 << 24));

    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, n).</summary>
    public int NextInt(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), $"NextInt: bound {n} must be positive");
        return (int)((NextUInt64() >> 33) % (ulong)n);
    }

    public float NextNormal()
    {
        double u1 = 1.0 - NextDouble(), u2 = NextDouble();
        return (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
    }

    public void FillUniform(Span<float> dst)
    {
        for (int i = 0; i < dst.Length; i++) dst[i] = NextFloat();
    }

    public void FillNormal(Span<float> dst)
    {
        for (int i = 0; i < dst.Length; i++) dst[i] = NextNormal();
    }

    public ulong[] GetState() => new[] { _s0, _s1, _s2, _s3 };

    public void SetState(ulong[] state)
    {
        if (state.Length != 4) throw new ArgumentException($"Generator.SetState: expected 4 words, got {state.Length}");
        (_s0, _s1, _s2, _s3) = (state[0], state[1], state[2], state[3]);
    }
}
