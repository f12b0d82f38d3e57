using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using Vitrum.Data.Images;
using Vitrum.Models;
using Vitrum.Nn.IO;
using Xunit;
using static Vitrum.Cli.Tests.CliRunner;

namespace Vitrum.Cli.Tests;

/// <summary>
/// The exit codes of the README's table, kept by every command: 0 done, 1 the work failed (a file that does not fit
/// or is of another kind, data that do not match the weights), 2 the command line cannot run, 130 interrupted.
/// Each failure is one line on stderr.
/// </summary>
public class CliExitCodeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vitrum-cli-exit-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string Tiny = """{"family": "vit", "img_size": 16, "patch_size": 4, "in_chans": 3, "num_classes": 2, "embed_dim": 16, "depth": 1, "num_heads": 2}""";

    private string Weights(params string[] classes)
    {
        var config = ModelRegistry.ParseJson(Tiny);
        var path = Path.Combine(_dir, "tiny.safetensors");
        SafetensorsWriter.Save(path, ModelRegistry.Create(config, seed: 1).StateDict(),
            new Dictionary<string, string> { ["config"] = config.ToJson(), ["classes"] = JsonSerializer.Serialize(classes) });
        return path;
    }

    private string Image(string rel)
    {
        var p = Path.Combine(_dir, rel);
        Directory.CreateDirectory(Path.GetDirectoryName(p)!);
        ImageFile.SavePng(p, new DecodedImage(16, 16, 3, new byte[16 * 16 * 3]));
        return p;
    }

    private static string Io(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", "io", name);

    [Fact]
    public void Every_command_exits_0_when_done_1_when_the_work_fails_and_2_when_the_command_line_cannot_run()
    {
        var weights = Weights("a", "b");
        var image = Image("x.png");
        Image(Path.Combine("folder", "cat", "1.png"));
        var cases = new (string[] Args, int Code)[]
        {
            (["help", "predict"], 0),
            (["predict", "--weights", weights, image], 0),
            (["inspect", weights], 0),
            (["predict", "--weights", weights, "--model", "vit_mnist", image], 1),          // weights that do not fit the model
            (["eval", "--weights", weights, "--dataset", Path.Combine(_dir, "folder")], 1), // a class the weights do not name
            (["inspect", Io("legacy.pth")], 1),                                            // a file of another format
            (["predict", "--weights", Io("tiny.onnx"), "--model", "vit_mnist", image], 1),
            (["predict", "--weights", weights, "--frobnicate", image], 2),
            (["eval", "--weights", weights, "--dataset", Path.Combine(_dir, "nowhere")], 2),
            (["train", "--model", "vit_mnist", "--dataset", "mnist", "--epochs", "0"], 2),
            (["predict", "--weights", weights], 2),
        };
        foreach (var (args, expected) in cases)
        {
            var (code, _, err) = Run(args);
            Assert.True(code == expected, $"vitrum {string.Join(' ', args)}: exit {code}, expected {expected}; stderr: {err}");
            if (expected != 0) ErrorLine(err);
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int mkfifo(string path, uint mode);

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open(string path, int flags);

    [DllImport("libc", EntryPoint = "close")]
    private static extern int Close(int fd);

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    /// <summary>
    /// predict reads its image from a named pipe: once the test's non-blocking open for writing succeeds, vitrum is
    /// inside the command, waiting for the image, when SIGTERM arrives (the runtime's default would exit 143).
    /// </summary>
    [Fact]
    public async Task Sigterm_interrupts_a_command_other_than_train_with_exit_130_and_one_line()
    {
        if (!OperatingSystem.IsLinux()) return;
        var fifo = Path.Combine(_dir, "pipe.png");
        Assert.Equal(0, mkfifo(fifo, Convert.ToUInt32("600", 8)));
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "vitrum.dll"), "predict", "--weights", Weights("a", "b"), fifo }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        const int WriteOnlyNonBlocking = 0x1 | 0x800;
        int fd = -1;
        var clock = Stopwatch.StartNew();
        while ((fd = Open(fifo, WriteOnlyNonBlocking)) < 0)
        {
            Assert.False(p.HasExited, "vitrum exited before reading the image");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), "vitrum never opened the image");
            await Task.Delay(20);
        }
        try
        {
            Assert.Equal(0, Kill(p.Id, 15));
            Assert.True(p.WaitForExit(30_000), "vitrum ignored SIGTERM");
        }
        finally { Close(fd); }
        Assert.Equal(130, p.ExitCode);
        Assert.Equal("vitrum: interrupted (SIGTERM)", OneLine(await err));
    }
}
