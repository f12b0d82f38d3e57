namespace Vitrum.Nn.Optim;

/// <summary>A learning rate as a function of the optimizer step (0-based), applied to every group by <see cref="Apply"/>.</summary>
public abstract class LrSchedule
{
    public abstract double LrAt(long step);

    /// <summary>Sets each group's learning rate for this step: the scheduled rate times the group's <see cref="ParamGroup.LrScale"/>.</summary>
    public void Apply(Optimizer opt, long step)
    {
        double lr = LrAt(step);
        foreach (var g in opt.Groups) g.Lr = lr * g.LrScale;
    }
}

/// <summary>
/// timm's CosineLRScheduler stepped per update: linear warmup from <c>warmupLrInit</c> to <c>baseLr</c> over
/// <c>warmupSteps</c>, then a half cosine from <c>baseLr</c> down to <c>minLr</c> at <c>totalSteps</c>
/// (the cosine starts after the warmup, as with warmup_prefix=True).
/// </summary>
public sealed class WarmupCosine : LrSchedule
{
    private readonly double _base, _min, _warmInit;
    private readonly long _warm, _total;

    public WarmupCosine(double baseLr, long warmupSteps, long totalSteps, double minLr = 0, double warmupLrInit = 0)
    {
        if (totalSteps <= 0 || warmupSteps < 0 || warmupSteps > totalSteps)
            throw new ArgumentException($"WarmupCosine: need 0 <= warmup ({warmupSteps}) <= total ({totalSteps}) and total > 0");
        (_base, _min, _warmInit, _warm, _total) = (baseLr, minLr, warmupLrInit, warmupSteps, totalSteps);
    }

    public override double LrAt(long step)
    {
        if (step < _warm) return _warmInit + step * (_base - _warmInit) / _warm;
        double t = Math.Min(step - _warm, _total - _warm);
        double span = Math.Max(1, _total - _warm);
        return _min + 0.5 * (_base - _min) * (1 + Math.Cos(Math.PI * t / span));
    }
}

/// <summary>The Transformer paper's schedule: lr = factor * d_model^-0.5 * min(s^-0.5, s * warmup^-1.5) with s = step + 1.</summary>
public sealed class NoamSchedule : LrSchedule
{
    private readonly double _dModel, _factor;
    private readonly long _warmup;

    public NoamSchedule(int dModel, long warmupSteps = 4000, double factor = 1)
    {
        if (dModel <= 0 || warmupSteps <= 0) throw new ArgumentException($"NoamSchedule: d_model ({dModel}) and warmup ({warmupSteps}) must be positive");
        (_dModel, _warmup, _factor) = (dModel, warmupSteps, factor);
    }

    public override double LrAt(long step)
    {
        double s = step + 1;
        return _factor * Math.Pow(_dModel, -0.5) * Math.Min(Math.Pow(s, -0.5), s * Math.Pow(_warmup, -1.5));
    }
}

/// <summary>torch.optim.lr_scheduler.StepLR: lr = base * gamma^(step / stepSize).</summary>
public sealed class StepDecay : LrSchedule
{
    private readonly double _base, _gamma;
    private readonly long _stepSize;

    public StepDecay(double baseLr, long stepSize, double gamma = 0.1)
    {
        if (stepSize <= 0) throw new ArgumentException($"StepDecay: step size must be positive, got {stepSize}");
        (_base, _stepSize, _gamma) = (baseLr, stepSize, gamma);
    }

    public override double LrAt(long step) => _base * Math.Pow(_gamma, step / _stepSize);
}

/// <summary>
/// Another schedule whose rate falls linearly to zero over the last <c>cooldownSteps</c> of <c>totalSteps</c>
/// (lr = inner(s) * (total - s) / cooldown there; the "cooldown" of warmup-stable-decay schedules). A short
/// run with the Noam schedule otherwise ends at a still-high rate: annealing it at the end of a fixed budget
/// is what a budget-limited run gains most from.
/// </summary>
public sealed class LinearCooldown : LrSchedule
{
    private readonly LrSchedule _inner;
    private readonly long _total, _cooldown;

    public LinearCooldown(LrSchedule inner, long totalSteps, long cooldownSteps)
    {
        if (totalSteps <= 0 || cooldownSteps <= 0 || cooldownSteps > totalSteps)
            throw new ArgumentException($"LinearCooldown: need 0 < cooldown ({cooldownSteps}) <= total ({totalSteps})");
        (_inner, _total, _cooldown) = (inner, totalSteps, cooldownSteps);
    }

    public override double LrAt(long step)
    {
        long left = _total - step;
        return left >= _cooldown ? _inner.LrAt(step) : _inner.LrAt(step) * Math.Max(0, left) / _cooldown;
    }
}
