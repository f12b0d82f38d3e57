using System.Diagnostics;
using Vitrum.Nn.IO;
using Vitrum.Nn.Optim;
using Vitrum.Tensors;
using Xunit;

namespace Vitrum.Nn.Tests;

/// <summary>Kills a real training process (SIGKILL) at random moments and checks the checkpoint it leaves.</summary>
public class CrashSafetyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vitrum-kill-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static Process Start(string checkpoint, int steps, bool resume)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Vitrum.CheckpointChild.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { dll, checkpoint, steps.ToString(System.Globalization.CultureInfo.InvariantCulture) }) psi.ArgumentList.Add(a);
        if (resume) psi.ArgumentList.Add("--resume");
        return Process.Start(psi)!;
    }

    private static (TrainingState State, float[] Weights) Read(string checkpoint)
    {
        var model = new Sequential(new Linear(16, 64), new Linear(64, 4));
        var opt = new AdamW(ParamGroup.WeightDecaySplit(model, 1e-3, 0.05));
        var st = TrainingCheckpoint.Load(checkpoint, model, opt);
        return (st, model.Parameters().SelectMany(p => p.ToArray()).ToArray());
    }

    private static void SpinFor(double milliseconds)
    {
        long end = Stopwatch.GetTimestamp() + (long)(milliseconds * Stopwatch.Frequency / 1000);
        while (Stopwatch.GetTimestamp() < end) Thread.SpinWait(16);
    }

    [Fact]
    public void Twenty_sigkills_during_checkpoint_writes_always_leave_a_loadable_checkpoint_and_resume_matches_an_uninterrupted_run()
    {
        const int total = 400;
        var reference = Path.Combine(_dir, "reference.safetensors");
        double msPerStep;
        using (var p = Start(reference, total, resume: false))
        {
            var output = p.StandardOutput.ReadToEnd();
            Assert.True(p.WaitForExit(120_000), "uninterrupted run did not finish");
            Assert.Equal(0, p.ExitCode);
            var done = output.Split('\n').Single(l => l.StartsWith("done ", StringComparison.Ordinal));
            msPerStep = double.Parse(done[5..], System.Globalization.CultureInfo.InvariantCulture);
        }
        var expected = Read(reference);
        Assert.Equal(total, expected.State.Step);

        var ckpt = Path.Combine(_dir, "run.safetensors");
        var rng = new Random(7);
        long lastStep = 0;
        for (int kill = 0; kill < 20; kill++)
        {
            using var p = Start(ckpt, total, resume: true);
            // Wait until the child has written at least one checkpoint, then kill it at a random moment.
            var line = p.StandardOutput.ReadLine();
            while (line != null && !line.StartsWith("step", StringComparison.Ordinal) && line != "done") line = p.StandardOutput.ReadLine();
            Assert.True(line != null && !line.StartsWith("done", StringComparison.Ordinal), $"kill {kill}: the child finished before it could be killed");
            // The kill moment is the point of the test: a random delay of up to three steps spreads the kills over
            // computing and writing. It is scaled to this machine's step time (a fixed 25 ms let a machine with a
            // fast disk finish all 400 steps before the last kills).
            SpinFor(rng.NextDouble() * Math.Min(25, 3 * msPerStep));
            p.Kill();
            p.WaitForExit();
            var (state, _) = Read(ckpt);
            Assert.True(state.Step >= lastStep && state.Step > 0, $"kill {kill}: checkpoint step {state.Step} after {lastStep}");
            lastStep = state.Step;
        }
        using (var p = Start(ckpt, total, resume: true))
        {
            Assert.True(p.WaitForExit(120_000), "resumed run did not finish");
            Assert.Equal(0, p.ExitCode);
        }
        var resumed = Read(ckpt);
        Assert.Equal(total, resumed.State.Step);
        Assert.Equal(expected.Weights, resumed.Weights);
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
    }
}
