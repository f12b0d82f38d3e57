using Vitrum.Data.Loading;
using Xunit;

namespace Vitrum.Distributed.Tests;

public class DataShardTests
{
    [Fact]
    public void Batch_b_of_every_rank_together_holds_batch_b_of_one_process_with_the_global_batch()
    {
        var order = Enumerable.Range(0, 48).Select(i => (i * 17) % 48).ToArray();
        const int ranks = 3, perRank = 4;
        var shards = Enumerable.Range(0, ranks).Select(r => new DataShard(r, ranks).Of(order, pad: true)).ToArray();
        for (int b = 0; b < 48 / (ranks * perRank); b++)
        {
            var together = shards.SelectMany(s => s.Skip(b * perRank).Take(perRank)).Order();
            Assert.Equal(order.Skip(b * ranks * perRank).Take(ranks * perRank).Order(), together);
        }
    }

    [Fact]
    public void Training_shards_are_padded_to_equal_length_and_evaluation_shards_count_each_item_once()
    {
        var order = Enumerable.Range(100, 10).ToArray();
        var padded = Enumerable.Range(0, 4).Select(r => new DataShard(r, 4).Of(order, pad: true)).ToArray();
        Assert.All(padded, s => Assert.Equal(3, s.Length));
        // 12 slots for 10 items: the order's first two items fill the last two.
        Assert.Equal(new[] { 100, 101 }, new[] { padded[2][2], padded[3][2] });
        var exact = Enumerable.Range(0, 4).Select(r => new DataShard(r, 4).Of(order, pad: false)).ToArray();
        Assert.Equal(order, exact.SelectMany(s => s).Order());
        Assert.Equal(new[] { 3, 3, 2, 2 }, exact.Select(s => s.Length));
        Assert.Equal(exact.Select(s => s.Length), Enumerable.Range(0, 4).Select(r => new DataShard(r, 4).Length(10, pad: false)));
    }
}
