namespace Vitrum.Data.Loading;

/// <summary>
/// The part of every epoch one process of a data-parallel run reads, as PyTorch's <c>DistributedSampler</c> cuts it:
/// the epoch's order (the same on every rank: it comes from the seed and the epoch) is padded by repeating its start
/// until its length divides by <see cref="Count"/>, and rank r takes the items at r, r + Count, r + 2 Count, ... So every
/// rank has as many items, and batch b of every rank together hold the items of batch b of one process whose batch is
/// Count times larger. Evaluation shards without the padding, so each item is counted once.
/// </summary>
/// <param name="Rank">this process, 0 .. Count - 1</param>
/// <param name="Count">the processes (MPI's world size)</param>
public readonly record struct DataShard(int Rank, int Count)
{
    /// <summary>One process reading everything.</summary>
    public static readonly DataShard Whole = new(0, 1);

    public bool IsWhole => Count <= 1;

    /// <summary>This rank's items of <paramref name="order"/>: every Count-th from Rank, the order padded to a multiple of Count first when <paramref name="pad"/>.</summary>
    public int[] Of(int[] order, bool pad)
    {
        if (Count < 1 || Rank < 0 || Rank >= Count) throw new ArgumentException($"DataShard: rank {Rank} is not in [0, {Count})");
        if (IsWhole) return order;
        var mine = new int[Length(order.Length, pad)];
        for (int i = 0; i < mine.Length; i++) mine[i] = order[(Rank + i * Count) % order.Length];
        return mine;
    }

    /// <summary>How many items <see cref="Of"/> gives from an order of <paramref name="count"/>.</summary>
    public int Length(int count, bool pad)
    {
        if (IsWhole) return count;
        int total = pad ? (count + Count - 1) / Count * Count : count;
        return (total - Rank + Count - 1) / Count;
    }
}
