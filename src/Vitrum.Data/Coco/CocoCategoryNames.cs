namespace Vitrum.Data.Coco;

/// <summary>
/// The 80 object categories of COCO 2014/2017 detection by their ids (1-90, with gaps where the paper's 91 categories
/// had no boxes): the label space of DETR's COCO models, whose num_classes 91 is the largest id + 1.
/// </summary>
public static class CocoCategoryNames
{
    /// <summary>The ids one past the largest, as DETR's num_classes counts them.</summary>
    public const int IdCount = 91;

    private static readonly string[] Listed =
    {
        "1 person", "2 bicycle", "3 car", "4 motorcycle", "5 airplane", "6 bus", "7 train", "8 truck", "9 boat", "10 traffic light",
        "11 fire hydrant", "13 stop sign", "14 parking meter", "15 bench", "16 bird", "17 cat", "18 dog", "19 horse", "20 sheep",
        "21 cow", "22 elephant", "23 bear", "24 zebra", "25 giraffe", "27 backpack", "28 umbrella", "31 handbag", "32 tie",
        "33 suitcase", "34 frisbee", "35 skis", "36 snowboard", "37 sports ball", "38 kite", "39 baseball bat", "40 baseball glove",
        "41 skateboard", "42 surfboard", "43 tennis racket", "44 bottle", "46 wine glass", "47 cup", "48 fork", "49 knife", "50 spoon",
        "51 bowl", "52 banana", "53 apple", "54 sandwich", "55 orange", "56 broccoli", "57 carrot", "58 hot dog", "59 pizza",
        "60 donut", "61 cake", "62 chair", "63 couch", "64 potted plant", "65 bed", "67 dining table", "70 toilet", "72 tv",
        "73 laptop", "74 mouse", "75 remote", "76 keyboard", "77 cell phone", "78 microwave", "79 oven", "80 toaster", "81 sink",
        "82 refrigerator", "84 book", "85 clock", "86 vase", "87 scissors", "88 teddy bear", "89 hair drier", "90 toothbrush",
    };

    /// <summary>The name of each id 0..90; ids without a category (0, 12, 26, ...) are named by their number.</summary>
    public static IReadOnlyList<string> ById { get; } = Build();

    private static string[] Build()
    {
        var names = Enumerable.Range(0, IdCount).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        foreach (var entry in Listed)
        {
            int space = entry.IndexOf(' ');
            names[int.Parse(entry[..space], System.Globalization.CultureInfo.InvariantCulture)] = entry[(space + 1)..];
        }
        return names;
    }
}
