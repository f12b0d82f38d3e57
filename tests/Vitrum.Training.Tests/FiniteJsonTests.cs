using System.Text.Json;
using Xunit;

namespace Vitrum.Training.Tests;

/// <summary>Figures that are not finite become JSON null in metrics.jsonl and the CLI's --json lines, and read back as NaN.</summary>
public class FiniteJsonTests
{
    [Fact]
    public void An_epoch_record_with_nan_and_infinite_figures_writes_null_and_reads_back_as_nan()
    {
        var record = new EpochRecord(3, 30, double.NaN, 0.5, new[] { new Metric("val_loss", double.PositiveInfinity, false), new Metric("val_accuracy", 0.25, true) },
            double.NegativeInfinity, 1.5, 100, ClippedSteps: 4);
        var json = record.ToJson("train_accuracy", "images_per_second");
        Assert.Equal("""{"epoch":3,"step":30,"train_loss":null,"train_accuracy":0.5,"val_loss":null,"val_accuracy":0.25,"lr":null,"clipped_steps":4,"seconds":1.5,"images_per_second":100}""", json);
        var row = JsonSerializer.Deserialize<Dictionary<string, double>>(json, RunDirectory.MetricsJson)!;
        Assert.True(double.IsNaN(row["train_loss"]) && double.IsNaN(row["val_loss"]) && double.IsNaN(row["lr"]));
        Assert.Equal(0.25, row["val_accuracy"]);
    }

    [Fact]
    public void The_cli_json_options_write_non_finite_doubles_and_floats_as_null()
    {
        var json = JsonSerializer.Serialize(new { a = double.NaN, b = (double?)double.NegativeInfinity, c = float.PositiveInfinity, d = new[] { 1.5f, float.NaN }, e = 2.0 }, FiniteJson.Options);
        Assert.Equal("""{"a":null,"b":null,"c":null,"d":[1.5,null],"e":2}""", json);
    }

    [Fact]
    public void Metrics_files_of_earlier_versions_with_nan_strings_still_read()
    {
        var row = JsonSerializer.Deserialize<Dictionary<string, double>>("""{"epoch":1,"train_loss":"NaN","test_loss":"-Infinity"}""", RunDirectory.MetricsJson)!;
        Assert.True(double.IsNaN(row["train_loss"]));
        Assert.Equal(double.NegativeInfinity, row["test_loss"]);
    }
}
