using Vitrum.Nn;
using Vitrum.Nn.IO;
using Vitrum.Nn.Optim;
using Vitrum.Tensors;
using Vitrum.Tensors.Memory;

// usage: Vitrum.CheckpointChild CHECKPOINT TOTAL_STEPS [--resume]
// Trains a small MLP on synthetic regression data, writing CHECKPOINT after every step, and prints
// "step N" when step N's checkpoint is complete, and at the end "done MS", MS being the mean milliseconds a step
// with its checkpoint took after the first (which carries the JIT). Data and dropout-free updates depend only on the
// seed and the step, so a resumed run ends bit-identical to an uninterrupted one.
var path = args[0];
int total = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
bool resume = args.Length > 2 && args[2] == "--resume";
var model = new Sequential(new Linear(16, 64, gen: new Generator(1)), new Linear(64, 4, gen: new Generator(2)));
var opt = new AdamW(ParamGroup.WeightDecaySplit(model, 1e-3, 0.05));
var schedule = new WarmupCosine(1e-2, 5, total);
var rng = new Generator(42);
long start = 0;
if (resume && File.Exists(path))
{
    var st = TrainingCheckpoint.Load(path, model, opt);
    rng.SetState(st.Rng);
    start = st.Step;
    Console.WriteLine($"resumed {start}");
}
var clock = new System.Diagnostics.Stopwatch();
for (long step = start; step < total; step++)
{
    if (step == start + 1) clock.Start();
    using (new TensorScope())
    {
        schedule.Apply(opt, step);
        var x = Tensor.Randn(rng, 32, 16);
        var target = Ops.Mul(Ops.Sum(x, 1, keepDim: true), Tensor.FromArray(new float[] { 1, -1, 0.5f, 2 }, 4));
        var diff = Ops.Sub(model.Forward(x), target);
        var loss = Ops.Div(Ops.Sum(Ops.Mul(diff, diff)), diff.Numel);
        opt.ZeroGrad();
        loss.Backward();
        opt.Step();
    }
    TrainingCheckpoint.Save(path, model, opt, new TrainingState(0, step + 1, rng.GetState(), "{\"family\":\"mlp\"}"));
    Console.WriteLine($"step {step + 1}");
}
double msPerStep = total - start > 1 ? clock.Elapsed.TotalMilliseconds / (total - start - 1) : 0;
Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"done {msPerStep:F4}"));
