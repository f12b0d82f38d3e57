using System.Text.Json;
using Vitrum.Data.Loading;
using Vitrum.Nn.IO;
using Xunit;

namespace Vitrum.Training.Tests;

/// <summary>A run folder protects its contents: an earlier run is neither overwritten nor mixed into unless asked, and one run at a time holds it.</summary>
public class RunFolderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vitrum-runs-").FullName;
    private readonly List<string> _log = new();

    public void Dispose() => Directory.Delete(_dir, true);

    private static readonly TrainOptions Short = new() { Epochs = 1, BatchSize = 32, Lr = 1e-2, WarmupEpochs = 0, WeightDecay = 0, Seed = 3 };

    private string Out => Path.Combine(_dir, "run");

    private TrainResult Train(TrainOptions o, Action<EpochRecord>? onEpoch = null)
    {
        o = o with { OutDir = Out };
        return new Trainer<Batch>(ImageTrainerTests.Task(o), o) { Log = _log.Add, OnEpoch = onEpoch }.Run();
    }

    private void WriteLock(int pid, DateTime started)
    {
        Directory.CreateDirectory(Out);
        File.WriteAllText(Path.Combine(Out, RunLock.FileName), JsonSerializer.Serialize(new { Pid = pid, Started = started }));
    }

    [Fact]
    public void A_new_run_refuses_a_folder_that_holds_a_run_and_leaves_it_as_it_was()
    {
        Train(Short);
        var before = Directory.GetFiles(Out).Order().Select(f => (f, Convert.ToHexString(File.ReadAllBytes(f)))).ToArray();
        var e = Assert.Throws<RunFolderException>(() => Train(Short with { Epochs = 2 }));
        Assert.StartsWith($"{Out} already holds a run (last.ckpt.safetensors, last.safetensors, best.safetensors, metrics.jsonl and 1 more): ", e.Message);
        Assert.EndsWith("add --resume to continue it or --overwrite to replace it", e.Message);
        Assert.Throws<RunFolderException>(() => RunDirectory.ThrowIfUnavailable(Out, resume: false, overwrite: false));
        Assert.Equal(before, Directory.GetFiles(Out).Order().Select(f => (f, Convert.ToHexString(File.ReadAllBytes(f)))).ToArray());
    }

    [Fact]
    public void Overwrite_removes_the_earlier_runs_files_and_nothing_else()
    {
        Train(Short with { Epochs = 2 });
        File.WriteAllText(Path.Combine(Out, "notes.txt"), "mine");
        File.WriteAllText(Path.Combine(Out, "epoch-9.safetensors"), "left by an averaging run");
        var r = Train(Short with { Overwrite = true });
        Assert.Equal(1, r.Epochs);
        Assert.Single(File.ReadAllLines(Path.Combine(Out, "metrics.jsonl")));
        Assert.False(File.Exists(Path.Combine(Out, "epoch-9.safetensors")));
        Assert.Equal("mine", File.ReadAllText(Path.Combine(Out, "notes.txt")));
        using var last = SafetensorsFile.Open(Path.Combine(Out, "last.safetensors"));
        Assert.Equal("1", last.Metadata["epoch"]);
        Assert.Contains(_log, l => l.StartsWith("--overwrite: removed 6 files of the earlier run in ", StringComparison.Ordinal));
    }

    [Fact]
    public void Resume_without_a_checkpoint_says_it_starts_afresh()
    {
        var r = Train(Short with { Resume = true });
        Assert.Equal(1, r.Epochs);
        Assert.Contains($"--resume: {Out} holds no checkpoint (last.ckpt.safetensors) to resume; starting afresh", _log);
    }

    [Fact]
    public void Resume_and_overwrite_together_are_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => Train(Short with { Resume = true, Overwrite = true }));
        Assert.Contains("give one of them", e.Message);
    }

    [Fact]
    public void A_second_run_on_a_folder_in_use_is_refused_and_the_lock_goes_with_the_run()
    {
        RunFolderException? refused = null;
        Train(Short, onEpoch: _ =>
        {
            Assert.True(File.Exists(Path.Combine(Out, RunLock.FileName)));
            refused = Assert.Throws<RunFolderException>(() => Train(Short with { Overwrite = true }));
        });
        Assert.NotNull(refused);
        Assert.StartsWith($"{Out} is in use by another training run, process {Environment.ProcessId} (started ", refused!.Message);
        Assert.False(File.Exists(Path.Combine(Out, RunLock.FileName)));
        Assert.Single(File.ReadAllLines(Path.Combine(Out, "metrics.jsonl")));
    }

    [Fact]
    public void A_lock_held_by_a_live_process_refuses_the_run()
    {
        WriteLock(Environment.ProcessId, LiveProcess.CurrentStartTimeUtc());
        var e = Assert.Throws<RunFolderException>(() => Train(Short));
        Assert.Contains($"process {Environment.ProcessId}", e.Message);
        Assert.Contains(Path.Combine(Out, RunLock.FileName), e.Message);
        Assert.False(File.Exists(Path.Combine(Out, "metrics.jsonl")));
    }

    /// <summary>A dead owner, or a live process that started at another time (the id was reused): the lock is stale.</summary>
    [Theory]
    [InlineData(int.MaxValue, 0)]
    [InlineData(-1, -1)]
    public void A_stale_lock_is_taken_over_with_a_note(int pid, int startedDaysEarlier)
    {
        if (pid == -1) pid = Environment.ProcessId;
        WriteLock(pid, LiveProcess.CurrentStartTimeUtc().AddDays(startedDaysEarlier));
        var r = Train(Short);
        Assert.Equal(1, r.Epochs);
        Assert.Contains(_log, l => l.StartsWith($"{Out}: taking over the stale lock run.lock of process {pid} (started ", StringComparison.Ordinal) && l.EndsWith("), which no longer runs", StringComparison.Ordinal));
        Assert.False(File.Exists(Path.Combine(Out, RunLock.FileName)));
    }
}
