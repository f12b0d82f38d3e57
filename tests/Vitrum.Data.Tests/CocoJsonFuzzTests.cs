using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Vitrum.Data.Coco;
using Xunit;

namespace Vitrum.Data.Tests;

/// <summary>
/// Mutated COCO files either parse or raise DataFormatException naming the file: never another exception or a hang.
/// Half the mutations work on bytes (flips, cuts, dropped and repeated slices), half on values (a number replaced by
/// another JSON value), so that many files stay valid JSON and reach the field checks.
/// </summary>
public class CocoJsonFuzzTests
{
    private static readonly string[] Replacements =
        ["-1", "0", "2", "1.5", "1e999", "-0", "\"7\"", "null", "true", "[]", "{}", "[1, 2, 3, 4]", "\"\\uDC00\"", "12345678901234567890"];

    private static readonly Regex NumberToken = new(@"-?\d+(\.\d+)?([eE][+-]?\d+)?", RegexOptions.Compiled);

    private static byte[] Mutate(string seed, Random rng)
    {
        if (rng.Next(2) == 0)
        {
            var numbers = NumberToken.Matches(seed);
            var n = numbers[rng.Next(numbers.Count)];
            return Encoding.UTF8.GetBytes(seed[..n.Index] + Replacements[rng.Next(Replacements.Length)] + seed[(n.Index + n.Length)..]);
        }
        var b = Encoding.UTF8.GetBytes(seed);
        switch (rng.Next(3))
        {
            case 0:
                for (int i = 0, k = 1 + rng.Next(3); i < k; i++) b[rng.Next(b.Length)] = (byte)rng.Next(256);
                return b;
            case 1:
                return b[..rng.Next(b.Length)];
            default:
                int s = rng.Next(b.Length), len = rng.Next(1, Math.Min(30, b.Length - s) + 1);
                return rng.Next(2) == 0 ? [.. b[..(s + len)], .. b[s..]] : [.. b[..s], .. b[(s + len)..]];
        }
    }

    [Fact]
    public void Mutated_annotation_and_results_files_parse_or_raise_DataFormatException()
    {
        var rng = new Random(2024);
        var gt = CocoDatasetReader.Parse(Encoding.UTF8.GetBytes(CocoJsonTests.Gt), "gt.json");
        int rejected = 0, parsed = 0;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < 4000; i++)
        {
            bool results = i % 2 == 1;
            var file = Mutate(results ? CocoJsonTests.Results : CocoJsonTests.Gt, rng);
            try
            {
                if (results) CocoResultsReader.Parse(file, "fuzz.json", gt);
                else CocoDatasetReader.Parse(file, "fuzz.json");
                parsed++;
            }
            catch (DataFormatException e)
            {
                Assert.StartsWith("fuzz.json: ", e.Message);
                rejected++;
            }
        }
        Assert.True(clock.Elapsed.TotalSeconds < 60, $"4000 parses took {clock.Elapsed.TotalSeconds:F0} s");
        Assert.True(rejected > 1000 && parsed > 300, $"rejected {rejected}, parsed {parsed}: the mutations should exercise both outcomes");
    }
}
