using System.Text.Json;
using Vitrum.Tensors.Tests.Support;

namespace Vitrum.Nn.Tests.Support;

/// <summary>PyTorch reference files of Vitrum.Nn under tests/fixtures/nn/ (made by tools/fixtures/gen_*.py).</summary>
internal static class NnFixtures
{
    private static readonly Dictionary<string, JsonElement> Cache = new();

    /// <summary>The root of fixtures/nn/NAME.json, parsed once per test run.</summary>
    public static JsonElement Document(string name)
    {
        lock (Cache)
        {
            if (!Cache.TryGetValue(name, out var root))
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "nn", name + ".json")));
                Cache[name] = root = doc.RootElement.Clone();
            }
            return root;
        }
    }

    /// <summary>The cases of a file written by common.write_cases, for <see cref="Fixture.Check"/>.</summary>
    public static FixtureCase[] Cases(string name) => Document(name).GetProperty("cases").EnumerateArray().Select(e => new FixtureCase(e)).ToArray();

    public static FixtureCase Get(string family, string name) =>
        Cases(family).FirstOrDefault(c => c.Name == name) ?? throw new KeyNotFoundException($"fixture nn/{family}/{name} not found");
}
