using Vitrum.Tensors;

namespace Vitrum.Data.Datasets;

/// <summary>
/// A validation split held out of the training images when a data set has none of its own: within each class, a fixed
/// share of the images chosen with a fixed seed (<see cref="Seed"/>, the same for every run whatever its --seed), so
/// the split never changes between runs and is disjoint from the images trained on. A class of one image keeps it for
/// training. MNIST and Fashion-MNIST hold out one image in 12 of each class (5,002 of MNIST's 60,000 training images,
/// 5,000 of Fashion-MNIST's); image folders without a <c>val</c> split one in 10 (10%), at least one image per class.
/// </summary>
public static class ValidationSplit
{
    public const ulong Seed = 0;
    public const int FolderOneIn = 10;
    public const int MnistOneIn = 12;

    /// <summary>How many of a class's <paramref name="count"/> images are held out: count / oneIn rounded half up (in integers, so exactly), at least one, never all.</summary>
    public static int HeldOut(int count, int oneIn) => count < 2 ? 0 : Math.Clamp((count + oneIn / 2) / oneIn, 1, count - 1);

    /// <summary>Splits <paramref name="data"/> into the images trained on and the validation images, both in their original order.</summary>
    /// <param name="source">names the data set in the error</param>
    /// <exception cref="DataFormatException">no class has two images, so nothing can be held out</exception>
    public static (ImageClassificationData Train, ImageClassificationData Val) Split(ImageClassificationData data, int oneIn, string source)
    {
        var val = new bool[data.Count];
        var byClass = Enumerable.Range(0, data.Classes.Length).Select(_ => new List<int>()).ToArray();
        for (int i = 0; i < data.Count; i++) byClass[data.Labels[i]].Add(i);
        for (int c = 0; c < byClass.Length; c++)
        {
            var members = byClass[c];
            int k = HeldOut(members.Count, oneIn);
            // A partial Fisher-Yates shuffle per class, each class from its own stream: which images a class holds
            // out depends only on that class's images.
            var gen = new Generator(Seed + (ulong)c);
            for (int i = 0; i < k; i++)
            {
                int j = i + gen.NextInt(members.Count - i);
                (members[i], members[j]) = (members[j], members[i]);
                val[members[i]] = true;
            }
        }
        var valIdx = Enumerable.Range(0, data.Count).Where(i => val[i]).ToArray();
        if (valIdx.Length == 0)
            throw new DataFormatException(source, $"cannot hold out validation images: no class has 2 or more training images ({data.Count} images in {data.Classes.Length} classes)");
        return (data.Select(Enumerable.Range(0, data.Count).Where(i => !val[i]).ToArray()), data.Select(valIdx));
    }
}
