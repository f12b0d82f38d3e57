using Vitrum.Training.Distributed;

namespace Vitrum.Training.Tests;

/// <summary>
/// Rank <c>rank</c> of <c>size</c> whose collectives leave the values as they are: what one rank computes of its own part,
/// for tests that run the ranks' parts one after the other in one process and combine them themselves.
/// </summary>
internal sealed class OneRankOf(int rank, int size) : IProcessGroup, IPendingSum
{
    public int Rank => rank;
    public int Size => size;
    public IPendingSum StartSum(float[] buffer, int count) => this;
    public void Sum(double[] values) { }
    public void Barrier() { }
    public bool Poll() => true;
    public void Wait() { }
    public void Dispose() { }
}
