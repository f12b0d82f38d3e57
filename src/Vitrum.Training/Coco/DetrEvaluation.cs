using Vitrum.Data.Coco;
using Vitrum.Data.Detection;
using Vitrum.Models.Detr;
using Vitrum.Nn;
using Vitrum.Tensors.Autograd;
using Vitrum.Tensors.Memory;
using Vitrum.Data.Loading;
using Vitrum.Training.Distributed;

namespace Vitrum.Training.Coco;

/// <summary>
/// COCO box AP of a DETR on a COCO-format data set, as DETR's engine.evaluate scores it: the model in eval mode without
/// gradients, <see cref="PostProcess"/> to boxes at each image's original size, every query kept as a detection (its
/// class index is the category id, as DETR trains COCO's ids), then <see cref="CocoEvaluator"/>. Data-parallel, each rank
/// detects on its shard of the images and the detections are gathered, so every rank scores the whole set alike.
/// </summary>
public static class DetrEvaluation
{
    /// <param name="transform">the evaluation pipeline (ending with the normalization)</param>
    /// <param name="group">data-parallel: the ranks detect on their shards and every rank scores all the detections</param>
    public static CocoEvalResult Evaluate(Module<ImageBatch, DetrOutput> model, DetectionDataset data, IDetectionTransform transform, int batchSize,
        CancellationToken ct = default, IProcessGroup? group = null) =>
        CocoEvaluator.Evaluate(data.Coco, Detect(model, data, transform, batchSize, ct, group));

    /// <summary>The detections of every image of <paramref name="data"/>, in COCO's results format, image by image in the data set's order.</summary>
    /// <param name="group">data-parallel: each rank detects on its shard (<see cref="DataShard"/>, no padding) and the detections are gathered</param>
    public static List<CocoDetection> Detect(Module<ImageBatch, DetrOutput> model, DetectionDataset data, IDetectionTransform transform, int batchSize,
        CancellationToken ct = default, IProcessGroup? group = null)
    {
        group ??= SingleProcess.Instance;
        bool wasTraining = model.Training;
        model.Eval();
        var loader = new DetectionLoader(data, batchSize, transform, seed: 0, shuffle: false) { Shard = new DataShard(group.Rank, group.Size), PadShard = false };
        // This rank's images in the order the loader reads them, and their detections.
        var mine = loader.Order(0);
        var found = new List<Row[]>(mine.Length);
        try
        {
            using var _ = GradMode.NoGrad();
            foreach (var batch in loader.Epoch(0, ct: ct))
                using (batch)
                using (new TensorScope())
                {
                    var results = PostProcess.Forward(model.Forward(new ImageBatch(batch.Images, batch.Mask)), batch.OriginalSizes);
                    for (int i = 0; i < batch.Size; i++) found.Add(Rows(results[i]));
                }
        }
        finally
        {
            model.Train(wasTraining);
        }
        var perImage = new Row[]?[data.Count];
        for (int k = 0; k < mine.Length; k++) perImage[mine[k]] = found[k];
        if (group.Size > 1) Gather(perImage, group);
        var detections = new List<CocoDetection>();
        for (int i = 0; i < data.Count; i++)
            foreach (var r in perImage[i]!)
                detections.Add(new CocoDetection(data.Image(i).Id, r.Label, new CocoBox(r.X0, r.Y0, r.X1 - r.X0, r.Y1 - r.Y0), r.Score));
        return detections;
    }

    /// <summary>One query's detection: its class index, score and xyxy box at the image's size.</summary>
    private readonly record struct Row(long Label, float Score, float X0, float Y0, float X1, float Y1);

    private static Row[] Rows(DetrDetections d)
    {
        var scores = d.Scores.ToArray();
        var labels = d.Labels.ToLongArray();
        var boxes = d.Boxes.Contiguous().ToArray();
        var rows = new Row[scores.Length];
        for (int q = 0; q < scores.Length; q++) rows[q] = new Row(labels[q], scores[q], boxes[4 * q], boxes[4 * q + 1], boxes[4 * q + 2], boxes[4 * q + 3]);
        return rows;
    }

    /// <summary>
    /// Fills every rank's <paramref name="perImage"/> with all ranks' rows: each rank writes its images' rows into a zeroed
    /// table of every image's slots, and summing the tables over the ranks is the gather (each slot has one writer; floats
    /// go through doubles exactly). Every image has as many rows (DETR keeps every query), agreed on first.
    /// </summary>
    private static void Gather(Row[]?[] perImage, IProcessGroup group)
    {
        var own = perImage.FirstOrDefault(r => r != null);
        var agree = new double[] { own?.Length ?? 0, own == null ? 0 : 1 };
        group.Sum(agree);
        int rows = agree[1] == 0 ? 0 : (int)Math.Round(agree[0] / agree[1]);
        if (perImage.Any(r => r != null && r.Length != rows))
            throw new InvalidOperationException($"DetrEvaluation: the ranks keep {rows} detections an image, this one {perImage.First(r => r != null && r.Length != rows)!.Length}");
        const int width = 6;
        var table = new double[(long)perImage.Length * rows * width];
        for (int i = 0; i < perImage.Length; i++)
            for (int q = 0; q < (perImage[i]?.Length ?? 0); q++)
            {
                var r = perImage[i]![q];
                long o = ((long)i * rows + q) * width;
                (table[o], table[o + 1], table[o + 2], table[o + 3], table[o + 4], table[o + 5]) = (r.Label, r.Score, r.X0, r.Y0, r.X1, r.Y1);
            }
        group.Sum(table);
        for (int i = 0; i < perImage.Length; i++)
        {
            var all = new Row[rows];
            for (int q = 0; q < rows; q++)
            {
                long o = ((long)i * rows + q) * width;
                all[q] = new Row((long)table[o], (float)table[o + 1], (float)table[o + 2], (float)table[o + 3], (float)table[o + 4], (float)table[o + 5]);
            }
            perImage[i] = all;
        }
    }
}
