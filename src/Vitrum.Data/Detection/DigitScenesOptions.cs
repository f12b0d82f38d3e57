using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Vitrum.Data.Detection;

/// <summary>The splits of the digit scenes.</summary>
public enum DigitScenesSplit
{
    Train,
    Val,
    Test,
}

/// <summary>
/// How digit scenes are generated. The defaults make Vitrum's built-in set: 10,000 training, 1,000 validation and
/// 1,000 test canvases of 128 x 128, with 1-5 digits each whose longer side is 16-48 pixels: about 30,000 training
/// objects, small enough for DETR to train on 2 CPU cores within the hour, COCO's small and medium area ranges.
/// </summary>
public sealed record DigitScenesOptions(int CanvasSize = 128, int MinDigits = 1, int MaxDigits = 5, int MinDigitSize = 16, int MaxDigitSize = 48,
    int TrainScenes = 10_000, int ValScenes = 1_000, int TestScenes = 1_000, ulong Seed = 0)
{
    /// <summary>Changes whenever the scenes drawn from the same options would change, so old caches are not reused.</summary>
    public const int Version = 1;

    public int Scenes(DigitScenesSplit split) => split switch
    {
        DigitScenesSplit.Train => TrainScenes,
        DigitScenesSplit.Val => ValScenes,
        _ => TestScenes,
    };

    /// <summary>The cache folder's name: <c>digit-scenes-v1</c> for the defaults, with a hash of the options otherwise.</summary>
    public string DirectoryName
    {
        get
        {
            var name = $"digit-scenes-v{Version}";
            if (this == new DigitScenesOptions()) return name;
            var key = string.Join(",", new object[] { CanvasSize, MinDigits, MaxDigits, MinDigitSize, MaxDigitSize, TrainScenes, ValScenes, TestScenes, Seed }
                .Select(v => Convert.ToString(v, CultureInfo.InvariantCulture)));
            return $"{name}-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..12]}";
        }
    }

    /// <exception cref="ArgumentException">a count or size is out of range, naming it</exception>
    public void Validate()
    {
        if (CanvasSize is < 8 or > 4096) throw new ArgumentException($"DigitScenesOptions: canvas size {CanvasSize} must be in [8, 4096]");
        if (MinDigits < 1 || MaxDigits < MinDigits) throw new ArgumentException($"DigitScenesOptions: digits per scene {MinDigits}..{MaxDigits} must be at least 1 and ordered");
        if (MinDigitSize < 4 || MaxDigitSize < MinDigitSize || MaxDigitSize > CanvasSize)
            throw new ArgumentException($"DigitScenesOptions: digit sizes {MinDigitSize}..{MaxDigitSize} must be at least 4, ordered and fit the {CanvasSize}-pixel canvas");
        if (TrainScenes < 0 || ValScenes < 0 || TestScenes < 0)
            throw new ArgumentException($"DigitScenesOptions: scene counts {TrainScenes}/{ValScenes}/{TestScenes} must not be negative");
    }
}
