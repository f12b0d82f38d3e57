using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Vitrum.Models.Detr;
using Vitrum.Models.Resnet;
using Vitrum.Nn.IO;
using Vitrum.Tensors;
using Xunit;
using static Vitrum.Cli.Tests.CliRunner;

namespace Vitrum.Cli.Tests;

/// <summary>
/// <c>vitrum predict --model CONFIG.json --weights W --input X --output Y</c> for DETR on the committed parity fixture of
/// the official facebookresearch/detr code (tests/fixtures/detr/model_r18.safetensors, tools/fixtures/gen_detr.py: a
/// ResNet-18-shaped backbone, a padded batch of a 64x80 and a 32x48 image): the outputs written equal the official ones.
/// </summary>
public class CliDetrPredictTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vitrum-detr-predict-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly string FixturePath = Path.Combine(AppContext.BaseDirectory, "fixtures", "detr", "model_r18.safetensors");

    /// <summary>The fixture's model as gen_detr.py's "r18" case builds it.</summary>
    private static readonly DetrConfig R18 = new()
    {
        Backbone = DetrConfig.Custom, HiddenDim = 32, NHeads = 2, EncLayers = 2, DecLayers = 2, DimFeedforward = 64, NumQueries = 5,
        NumClasses = 7, ImgSize = 64, MaxSize = 80,
        BackboneConfig = new ResnetConfig { Block = ResnetConfig.Basic, Layers = new[] { 1, 1, 1, 1 }, Channels = new[] { 4, 8, 8, 16 }, StemWidth = 4 },
    };

    private static readonly Lazy<Dictionary<string, Tensor>> Fixture = new(() => StateDictFile.Load(FixturePath));

    /// <summary>The config file and the official weights (under their official names, no metadata).</summary>
    private (string Config, string Weights) Model()
    {
        var config = Path.Combine(_dir, "detr_r18.json");
        File.WriteAllText(config, R18.ToJson());
        var weights = Path.Combine(_dir, "official.safetensors");
        SafetensorsWriter.Save(weights, Fixture.Value.Where(kv => kv.Key.StartsWith("state.", StringComparison.Ordinal))
            .Select(kv => KeyValuePair.Create(kv.Key["state.".Length..], kv.Value)));
        return (config, weights);
    }

    /// <summary>A safetensors file of raw tensors (dtype, shape, little-endian bytes), as torch writes a uint8 mask.</summary>
    private string Raw(string name, params (string Name, string DType, int[] Shape, byte[] Data)[] tensors)
    {
        var header = new Dictionary<string, object>();
        long at = 0;
        foreach (var t in tensors)
        {
            header[t.Name] = new { dtype = t.DType, shape = t.Shape, data_offsets = new[] { at, at + t.Data.Length } };
            at += t.Data.Length;
        }
        var json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        var path = Path.Combine(_dir, name);
        using var f = File.Create(path);
        var len = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)json.Length);
        f.Write(len);
        f.Write(json);
        foreach (var t in tensors) f.Write(t.Data);
        return path;
    }

    private static (string, string, int[], byte[]) Images(Tensor images) =>
        ("input", "F32", images.Shape, MemoryMarshal.AsBytes<float>(images.ToArray()).ToArray());

    private static (string, string, int[], byte[]) Mask(Tensor mask) =>
        ("mask", "U8", mask.Shape, Array.ConvertAll(mask.ToLongArray(), v => (byte)v));

    private static double MaxRelative(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        var (e, a) = (expected.ToArray(), actual.ToArray());
        Assert.All(a, v => Assert.True(float.IsFinite(v)));
        return e.Zip(a, (x, y) => Math.Abs(x - y)).Max() / e.Max(MathF.Abs);
    }

    [Fact]
    public void Predict_writes_pred_logits_pred_boxes_and_aux_outputs_equal_to_the_official_detr_for_a_padded_uint8_masked_batch()
    {
        var (config, weights) = Model();
        var input = Raw("x.safetensors", Images(Fixture.Value["images"]), Mask(Fixture.Value["mask"]));
        var output = Path.Combine(_dir, "y.safetensors");

        var (code, stdout, err) = Run("predict", "--model", config, "--weights", weights, "--input", input, "--output", output, "--threshold", "0", "--json");

        Assert.True(code == 0, err);
        using (var f = SafetensorsFile.Open(output))
        {
            Assert.Equal(new[] { "aux_outputs.0.pred_boxes", "aux_outputs.0.pred_logits", "pred_boxes", "pred_logits" }, f.Entries.Select(e => e.Name).Order());
            foreach (var (ours, official) in new[] { ("pred_logits", "pred_logits"), ("pred_boxes", "pred_boxes"),
                         ("aux_outputs.0.pred_logits", "aux.0.pred_logits"), ("aux_outputs.0.pred_boxes", "aux.0.pred_boxes") })
            {
                double deviation = MaxRelative(Fixture.Value[official], f.Load(ours));
                Assert.True(deviation <= 1e-4, $"{ours}: relative deviation {deviation:E2} from the official output");
            }
        }
        // Every query of both images is reported (threshold 0), boxes scaled to each image without its padding.
        using var doc = JsonDocument.Parse(LastLine(stdout));
        var rows = doc.RootElement.GetProperty("predictions").EnumerateArray().ToArray();
        Assert.Equal(new[] { (64, 80), (32, 48) }, rows.Select(r => (r.GetProperty("height").GetInt32(), r.GetProperty("width").GetInt32())));
        Assert.All(rows, r => Assert.Equal(R18.NumQueries, r.GetProperty("detections").GetArrayLength()));
        var boxes = Fixture.Value["pred_boxes"].ToArray();
        var first = rows[1].GetProperty("detections").EnumerateArray().First(d => d.GetProperty("query").GetInt32() == 0);
        var box = first.GetProperty("box").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        int q0 = 5 * 4; // image 1, query 0: (cx, cy, w, h) relative to its 48 x 32 pixels
        Assert.Equal((boxes[q0] - boxes[q0 + 2] / 2) * 48, box[0], 3);
        Assert.Equal((boxes[q0 + 1] + boxes[q0 + 3] / 2) * 32, box[3], 3);
    }

    [Fact]
    public void Without_a_mask_nothing_is_padding_and_a_mask_of_another_size_is_one_line_naming_the_file()
    {
        var (config, weights) = Model();
        var image = Fixture.Value["images"].Narrow(0, 0, 1).Contiguous();
        var (code, stdout, err) = Run("predict", "--model", config, "--weights", weights, "--input", Raw("one.safetensors", Images(image)), "--threshold", "0", "--json");
        Assert.True(code == 0, err);
        using (var doc = JsonDocument.Parse(LastLine(stdout)))
        {
            var row = doc.RootElement.GetProperty("predictions")[0];
            Assert.Equal((64, 80), (row.GetProperty("height").GetInt32(), row.GetProperty("width").GetInt32()));
        }

        var wrong = Tensor.FromLongs(new long[2 * 64 * 79], 2, 64, 79);
        (code, stdout, err) = Run("predict", "--model", config, "--weights", weights, "--input", Raw("bad.safetensors", Images(Fixture.Value["images"]), Mask(wrong)));
        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        Assert.Equal("vitrum: bad.safetensors: mask is U8 [2, 64, 79], expected an integer (uint8) or bool 2 x 64 x 80 (N x H x W of input, 1 = padding)", OneLine(err));

        var all = Tensor.FromLongs(Enumerable.Repeat(1L, 2 * 64 * 80).ToArray(), 2, 64, 80);
        (code, _, err) = Run("predict", "--model", config, "--weights", weights, "--input", Raw("padded.safetensors", Images(Fixture.Value["images"]), Mask(all)));
        Assert.Equal(1, code);
        Assert.StartsWith("vitrum: padded.safetensors: DETR: the mask marks every pixel of image 0 as padding", OneLine(err));
    }
}
