using Vitrum.Tensors;

namespace Vitrum.Data.Transforms;

/// <summary>
/// Mixup (Zhang et al. 2018) and CutMix (Yun et al. 2019) with timm's semantics (timm/data/mixup.py, mode
/// "batch"): with probability <see cref="Prob"/> a batch is mixed with its own reverse; CutMix is chosen with
/// <see cref="SwitchProb"/> when both are on. lambda ~ Beta(alpha, alpha). Mixup blends whole images; CutMix
/// pastes a box of area ~(1 - lambda) and, with <see cref="CorrectLam"/>, sets lambda from the box actually
/// pasted after clipping. Targets are label-smoothed one-hots (on = 1 - s + s/K, off = s/K) mixed by lambda:
/// the soft targets of timm's SoftTargetCrossEntropy.
/// </summary>
public sealed record Mixup(int NumClasses, double MixupAlpha = 0.8, double CutmixAlpha = 1.0, double Prob = 1.0, double SwitchProb = 0.5,
    bool CorrectLam = true, double LabelSmoothing = 0.1)
{
    public bool Enabled => Prob > 0 && (MixupAlpha > 0 || CutmixAlpha > 0);

    /// <summary>What one call did: lambda (1 = untouched), whether it was CutMix, and the box [Y0, Y1) x [X0, X1) for CutMix.</summary>
    public readonly record struct Mix(double Lambda, bool Cutmix, int Y0, int Y1, int X0, int X1);

    /// <summary>Mixes <paramref name="images"/> in place and returns the soft targets [B, NumClasses].</summary>
    /// <param name="images">[B, C, H, W], contiguous; B must be even, as timm requires</param>
    /// <param name="labels">[B] int64 class indices</param>
    public Tensor Apply(Tensor images, Tensor labels, Generator gen, out Mix mix)
    {
        if (images.Rank != 4 || !images.IsContiguous || images.DType != DType.Float32)
            throw new ArgumentException($"Mixup: images must be contiguous float [B, C, H, W], got {images.DType} {ShapeUtil.Format(images.Shape)}");
        int b = images.Shape[0], h = images.Shape[2], w = images.Shape[3], chw = images.Numel / Math.Max(1, b);
        if (labels.Rank != 1 || labels.Shape[0] != b || labels.DType != DType.Int64)
            throw new ArgumentException($"Mixup: labels must be int64 [{b}], got {labels.DType} {ShapeUtil.Format(labels.Shape)}");
        if (b % 2 != 0) throw new ArgumentException($"Mixup: the batch size must be even (timm's requirement), got {b}");
        mix = Draw(h, w, gen);
        var x = images.AsSpan();
        if (mix.Lambda < 1)
        {
            int planes = chw / (h * w);
            // Pair i with b-1-i, like x.flip(0); processing each pair once keeps the originals for both.
            for (int i = 0; i < b / 2; i++)
            {
                var p = x.Slice(i * chw, chw);
                var q = x.Slice((b - 1 - i) * chw, chw);
                if (mix.Cutmix)
                    for (int c = 0; c < planes; c++)
                        for (int y = mix.Y0; y < mix.Y1; y++)
                            for (int o = (c * h + y) * w + mix.X0, end = o + mix.X1 - mix.X0; o < end; o++) (p[o], q[o]) = (q[o], p[o]);
                else
                {
                    float l = (float)mix.Lambda, r = 1 - l;
                    for (int k = 0; k < chw; k++) (p[k], q[k]) = (p[k] * l + q[k] * r, q[k] * l + p[k] * r);
                }
            }
        }
        return Targets(labels, mix.Lambda);
    }

    /// <summary>timm's mixup_target: lam * smooth_one_hot(y) + (1 - lam) * smooth_one_hot(y.flip(0)).</summary>
    public Tensor Targets(Tensor labels, double lambda)
    {
        int b = labels.Shape[0], k = NumClasses;
        float off = (float)(LabelSmoothing / k), on = (float)(1 - LabelSmoothing) + off;
        var t = Tensor.Full(new[] { b, k }, off);
        var s = t.AsSpan();
        var y = labels.AsLongSpan();
        for (int i = 0; i < b; i++)
        {
            long a = y[i], r = y[b - 1 - i];
            if (a < 0 || a >= k || r < 0 || r >= k) throw new ArgumentException($"Mixup: label {(a < 0 || a >= k ? a : r)} is not in [0, {k})");
            s[i * k + (int)a] += (float)lambda * (on - off);
            s[i * k + (int)r] += (float)(1 - lambda) * (on - off);
        }
        return t;
    }

    private Mix Draw(int h, int w, Generator gen)
    {
        if (!Enabled || gen.NextDouble() >= Prob) return new Mix(1, false, 0, 0, 0, 0);
        bool cutmix = CutmixAlpha > 0 && (MixupAlpha <= 0 || gen.NextDouble() < SwitchProb);
        double alpha = cutmix ? CutmixAlpha : MixupAlpha;
        double lam = Beta(gen, alpha, alpha);
        if (!cutmix) return new Mix(lam, false, 0, 0, 0, 0);
        // timm's rand_bbox: a box of side ratio sqrt(1 - lam) around a uniform centre, clipped to the image.
        double ratio = Math.Sqrt(1 - lam);
        int ch = (int)(h * ratio), cw = (int)(w * ratio);
        int cy = gen.NextInt(h), cx = gen.NextInt(w);
        int y0 = Math.Clamp(cy - ch / 2, 0, h), y1 = Math.Clamp(cy + ch / 2, 0, h);
        int x0 = Math.Clamp(cx - cw / 2, 0, w), x1 = Math.Clamp(cx + cw / 2, 0, w);
        if (CorrectLam) lam = 1 - (double)(y1 - y0) * (x1 - x0) / (h * w);
        return new Mix(lam, true, y0, y1, x0, x1);
    }

    /// <summary>Beta(a, b) as X / (X + Y) of two Gamma draws.</summary>
    public static double Beta(Generator gen, double a, double b)
    {
        double x = Gamma(gen, a), y = Gamma(gen, b);
        return x + y > 0 ? x / (x + y) : 0.5;
    }

    /// <summary>Gamma(shape, 1) by Marsaglia and Tsang (2000); shapes below 1 use Gamma(shape + 1) * U^(1/shape).</summary>
    public static double Gamma(Generator gen, double shape)
    {
        if (shape <= 0) throw new ArgumentException($"Gamma: shape must be positive, got {shape}");
        if (shape < 1) return Gamma(gen, shape + 1) * Math.Pow(1 - gen.NextDouble(), 1 / shape);
        double d = shape - 1.0 / 3, c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double z = gen.NextNormal(), v = 1 + c * z;
            if (v <= 0) continue;
            v = v * v * v;
            double u = 1 - gen.NextDouble();
            if (Math.Log(u) < 0.5 * z * z + d - d * v + d * Math.Log(v)) return d * v;
        }
    }
}
