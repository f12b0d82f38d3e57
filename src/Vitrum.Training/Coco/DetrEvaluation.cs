using Vitrum.Data.Coco;
using Vitrum.Data.Detection;
using Vitrum.Models.Detr;
using Vitrum.Nn;
using Vitrum.Tensors.Autograd;
using Vitrum.Tensors.Memory;

namespace Vitrum.Training.Coco;

/// <summary>
/// COCO box AP of a DETR on a COCO-format data set, as DETR's engine.evaluate scores it: the model in eval mode without
/// gradients, <see cref="PostProcess"/> to boxes at each image's original size, every query kept as a detection (its
/// class index is the category id, as DETR trains COCO's ids), then <see cref="CocoEvaluator"/>.
/// </summary>
public static class DetrEvaluation
{
    /// <param name="transform">the evaluation pipeline (ending with the normalization)</param>
    public static CocoEvalResult Evaluate(Module<ImageBatch, DetrOutput> model, DetectionDataset data, IDetectionTransform transform, int batchSize, CancellationToken ct = default) =>
        CocoEvaluator.Evaluate(data.Coco, Detect(model, data, transform, batchSize, ct));

    /// <summary>The detections of every image of <paramref name="data"/>, in COCO's results format.</summary>
    public static List<CocoDetection> Detect(Module<ImageBatch, DetrOutput> model, DetectionDataset data, IDetectionTransform transform, int batchSize, CancellationToken ct = default)
    {
        bool wasTraining = model.Training;
        model.Eval();
        var detections = new List<CocoDetection>();
        var loader = new DetectionLoader(data, batchSize, transform, seed: 0, shuffle: false);
        try
        {
            using var _ = GradMode.NoGrad();
            foreach (var batch in loader.Epoch(0, ct: ct))
                using (batch)
                using (new TensorScope())
                {
                    var results = PostProcess.Forward(model.Forward(new ImageBatch(batch.Images, batch.Mask)), batch.OriginalSizes);
                    for (int i = 0; i < batch.Size; i++) Add(detections, batch.ImageIds[i], results[i]);
                }
        }
        finally
        {
            model.Train(wasTraining);
        }
        return detections;
    }

    private static void Add(List<CocoDetection> detections, long imageId, DetrDetections d)
    {
        var scores = d.Scores.ToArray();
        var labels = d.Labels.ToLongArray();
        var boxes = d.Boxes.Contiguous().ToArray();
        for (int q = 0; q < scores.Length; q++)
        {
            float x0 = boxes[4 * q], y0 = boxes[4 * q + 1], x1 = boxes[4 * q + 2], y1 = boxes[4 * q + 3];
            detections.Add(new CocoDetection(imageId, labels[q], new CocoBox(x0, y0, x1 - x0, y1 - y0), scores[q]));
        }
    }
}
