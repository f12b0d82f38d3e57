using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using System.Text.RegularExpressions;
using Vitrum.Data.Images;
using Vitrum.Data.Transforms;
using Vitrum.Models;
using Vitrum.Models.Vit;
using Vitrum.Nn.IO;
using Vitrum.Training;
using Xunit;

namespace Vitrum.Packaging.Tests;

/// <summary>
/// The packages as a .NET user gets them: the tool installed from the pack folder runs, and the README's C# example,
/// read from README.md, builds against the packed libraries and classifies an image.
/// </summary>
public class PackagingTests(PackedVitrum packed) : IClassFixture<PackedVitrum>
{
    [Fact]
    public void Pack_makes_the_five_libraries_with_docs_readme_and_licence_and_the_tool_and_nothing_else()
    {
        Assert.Equal(PackedVitrum.Ids.Select(id => Path.GetFileName(packed.PackagePath(id))).Order(StringComparer.Ordinal),
            Directory.GetFiles(packed.PackDir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        foreach (var id in PackedVitrum.Ids[..5])
        {
            using var zip = ZipFile.OpenRead(packed.PackagePath(id));
            var names = zip.Entries.Select(e => e.FullName).ToHashSet();
            Assert.Contains($"lib/net10.0/{id}.dll", names);
            Assert.Contains($"lib/net10.0/{id}.xml", names);
            Assert.Contains("README.md", names);
            using var nuspec = new StreamReader(zip.GetEntry($"{id}.nuspec")!.Open());
            var text = nuspec.ReadToEnd();
            Assert.Contains($"<version>{packed.Version}</version>", text);
            Assert.Contains("<license type=\"expression\">MIT</license>", text);
            Assert.Contains("<readme>README.md</readme>", text);
            Assert.Matches("<description>Vitrum [^<]{40,}</description>", text);
        }
        using var tool = ZipFile.OpenRead(packed.PackagePath("vitrum"));
        Assert.Contains(tool.Entries, e => e.FullName == "tools/net10.0/any/DotnetToolSettings.xml");
    }

    [Fact]
    public void Tool_installed_from_the_pack_folder_lists_the_model_presets()
    {
        var tools = Path.Combine(packed.WorkDir, "tools");
        Dotnet.Run(packed.WorkDir, "tool", "install", "vitrum", "--tool-path", tools, "--add-source", packed.PackDir, "--version", packed.Version);
        var output = Dotnet.Exec(Path.Combine(tools, "vitrum"), packed.WorkDir, "models", "--json");
        using var json = System.Text.Json.JsonDocument.Parse(output.Trim().Split('\n')[^1]);
        var listed = json.RootElement.GetProperty("models").EnumerateArray().Select(m => m.GetProperty("name").GetString()!).ToList();
        Assert.Equal(ModelRegistry.PresetNames, listed);
    }

    /// <summary>The C# block of the README's package section, built as the program of a console project that references the packed Vitrum.Training.</summary>
    [Fact]
    public void Readme_example_prints_the_top_5_classes_of_an_image_with_the_packed_libraries()
    {
        var readme = File.ReadAllText(Path.Combine(packed.Root, "README.md"));
        var section = readme[readme.IndexOf("## As NuGet packages", StringComparison.Ordinal)..];
        var code = Regex.Match(section, "```csharp\n(.*?)```", RegexOptions.Singleline).Groups[1].Value;
        Assert.Contains("ImageClassifier.Load", code);
        Assert.Contains($"dotnet add package Vitrum.Training --version {packed.VersionPrefix}", section);

        var app = Directory.CreateDirectory(Path.Combine(packed.WorkDir, "classify")).FullName;
        File.WriteAllText(Path.Combine(app, "Program.cs"), code);
        File.WriteAllText(Path.Combine(app, "classify.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Vitrum.Training" Version="{packed.Version}" />
              </ItemGroup>
            </Project>
            """);
        // The pack folder besides the machine's own sources (no <clear/>), as the README's nuget.config does.
        File.WriteAllText(Path.Combine(app, "nuget.config"),
            $"""<configuration><packageSources><add key="vitrum-test" value="{packed.PackDir}" /></packageSources></configuration>""");

        var (weights, image, expected) = TinyClassifierAndImage(app);
        Dotnet.Run(app, "build", "-c", "Release", "-o", Path.Combine(app, "out"), "-nodeReuse:false");
        var output = Dotnet.Run(app, Path.Combine(app, "out", "classify.dll"), weights, image);
        Assert.Equal(expected, output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>
    /// Random weights of a small ViT saved as the trainer saves them (config, class names and normalization in the
    /// metadata), a PNG, and the five lines the example must print for them, from the same library in this process.
    /// </summary>
    private static (string Weights, string Image, string[] Expected) TinyClassifierAndImage(string dir)
    {
        var config = new VitConfig { ImgSize = 32, PatchSize = 8, InChans = 3, NumClasses = 8, EmbedDim = 32, Depth = 2, NumHeads = 2 };
        string[] classes = { "apple", "boat", "cloud", "daisy", "eagle", "fern", "grape", "heron" };
        var pre = new Preprocess(new[] { 0.5f, 0.45f, 0.4f }, new[] { 0.25f, 0.25f, 0.25f }, 0.9);
        var meta = new Dictionary<string, string>(pre.ToMetadata()) { ["config"] = config.ToJson(), ["classes"] = JsonSerializer.Serialize(classes) };
        var weights = Path.Combine(dir, "best.safetensors");
        SafetensorsWriter.Save(weights, new VisionTransformer(config, seed: 11).StateDict(), meta);
        var rng = new Random(5);
        var image = Path.Combine(dir, "picture.png");
        ImageFile.SavePng(image, new DecodedImage(40, 36, 3, Enumerable.Range(0, 40 * 36 * 3).Select(_ => (byte)rng.Next(256)).ToArray()));
        var expected = ImageClassifier.Load(weights).Predict(image, top: 5)
            .Select(c => string.Format(CultureInfo.InvariantCulture, "{0}\t{1:P1}", c.Label, c.Probability)).ToArray();
        Assert.Equal(5, expected.Length);
        return (weights, image, expected);
    }
}
