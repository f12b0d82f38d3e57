using Vitrum.Data.Detection;
using Vitrum.Models;
using Vitrum.Training.Coco;
using Xunit;

namespace Vitrum.Training.Tests;

/// <summary>DETR's evaluation data-parallel: each rank detects on its shard and lays its detections out for the gathering sum.</summary>
public class DetrEvaluationShardTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vitrum-detr-shard-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void Each_image_is_detected_by_one_rank_and_its_rows_sit_where_the_one_process_lists_them()
    {
        var scenes = TinyScenes.Write(Path.Combine(_dir, "scenes"));
        var model = ModelRegistry.Build(ModelRegistry.ParseJson(TinyScenes.ConfigJson), seed: 3);
        var norm = new Compose(new Normalize(new[] { 0.2f }, new[] { 0.4f }));
        var test = DigitScenes.Load(scenes, DigitScenesSplit.Test, channels: 1);
        var whole = DetrEvaluation.Detect(model.Detector, test, norm, batchSize: 4);
        Assert.Equal(test.Count * 6, whole.Count);
        // Each rank's table, before the sum that gathers: its images' rows, zeros for the others'.
        var parts = Enumerable.Range(0, 2).Select(r => DetrEvaluation.Detect(model.Detector, test, norm, batchSize: 4, group: new OneRankOf(r, 2))).ToArray();
        int[] imagesOf = new int[2];
        for (int k = 0; k < whole.Count; k++)
        {
            var mine = parts.Where(p => p[k].Score != 0 || p[k].Bbox.Width != 0).ToArray();
            Assert.Single(mine);
            var (w, d) = (whole[k], mine[0][k]);
            Assert.Equal(w.ImageId, d.ImageId);
            Assert.Equal(w.CategoryId, d.CategoryId);
            Assert.Equal(w.Score, d.Score, 5);
            Assert.Equal(w.Bbox.X, d.Bbox.X, 3);
            Assert.Equal(w.Bbox.Width, d.Bbox.Width, 3);
            if (k % 6 == 0) imagesOf[Array.IndexOf(parts, mine[0])]++;
        }
        // DistributedSampler's cut without padding: images 0, 2, 4 to rank 0 and 1, 3, 5 to rank 1.
        Assert.Equal(new[] { 3, 3 }, imagesOf);
    }
}
