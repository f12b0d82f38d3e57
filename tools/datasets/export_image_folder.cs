// Writes a subset of a named data set (mnist, fashion-mnist) as an image folder, DIR/train/<class>/*.png and
// DIR/test/<class>/*.png (grey PNGs), so the image-folder path of `vitrum train` can be measured on known data, e.g.
// the fine-tuning comparison of the README:
//   dotnet run tools/datasets/export_image_folder.cs -- fashion-mnist /tmp/ft/fashion5 0,1,2,3,4 1000 1000
// Arguments: the data set, the output folder, the class indices, images per class from the train split (its
// first N of each class) and from the test split. Class folders are named after the classes ('/' replaced by '-').
#:project ../../src/Vitrum.Data/Vitrum.Data.csproj
using System.Globalization;
using Vitrum.Data.Datasets;
using Vitrum.Data.Images;

if (args.Length != 5)
{
    Console.Error.WriteLine("usage: export_image_folder.cs DATASET OUT CLASSES(0,1,...) TRAIN_PER_CLASS TEST_PER_CLASS");
    return 2;
}
string dataset = args[0], outDir = args[1];
var classes = args[2].Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray();
int trainPer = int.Parse(args[3], CultureInfo.InvariantCulture), testPer = int.Parse(args[4], CultureInfo.InvariantCulture);
Func<bool, ImageClassificationData> load = dataset switch
{
    "mnist" => train => Mnist.Load(train, Console.Error.WriteLine),
    "fashion-mnist" => train => FashionMnist.Load(train, Console.Error.WriteLine),
    _ => throw new ArgumentException($"unknown data set '{dataset}' (mnist or fashion-mnist)"),
};
foreach (var (split, per) in new[] { ("train", trainPer), ("test", testPer) })
{
    var data = load(split == "train");
    foreach (int c in classes)
    {
        var dir = Path.Combine(outDir, split, data.Classes[c].Replace('/', '-'));
        Directory.CreateDirectory(dir);
        int written = 0;
        for (int i = 0; i < data.Count && written < per; i++)
        {
            if (data.Labels[i] != c) continue;
            ImageFile.SavePng(Path.Combine(dir, $"{i:D5}.png"), new DecodedImage(data.Width, data.Height, data.Channels, data.Image(i).ToArray()));
            written++;
        }
        Console.Error.WriteLine($"{split}/{Path.GetFileName(dir)}: {written} images");
    }
}
return 0;
