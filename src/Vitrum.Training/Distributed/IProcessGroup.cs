namespace Vitrum.Training.Distributed;

/// <summary>
/// The processes of a data-parallel run, as PyTorch's <c>ProcessGroup</c> is to DistributedDataParallel: this process's
/// rank among <see cref="Size"/>, and the collectives the trainer needs, all summing in place. Every rank calls the same
/// collectives in the same order. A collective whose peers stop answering (a rank died) ends in an exception that says
/// so, not a hang. <see cref="SingleProcess"/> is the group of one; the MPI group lives in Vitrum.Distributed, so these
/// libraries never load MPI.
/// </summary>
public interface IProcessGroup : IDisposable
{
    int Rank { get; }
    int Size { get; }

    /// <summary>
    /// Starts summing <paramref name="buffer"/>[0, <paramref name="count"/>) across the ranks, in place, and returns at
    /// once; the buffer must stay at its address (a pinned array) and untouched until the sum is done.
    /// </summary>
    IPendingSum StartSum(float[] buffer, int count);

    /// <summary>Sums <paramref name="values"/> across the ranks, in place, and returns when done.</summary>
    void Sum(double[] values);

    /// <summary>Returns when every rank has called it.</summary>
    void Barrier();
}

/// <summary>A sum started by <see cref="IProcessGroup.StartSum"/>.</summary>
public interface IPendingSum
{
    /// <summary>Lets the communication progress; true when the sum is done (then the buffer holds it).</summary>
    bool Poll();

    /// <summary>Returns when the sum is done.</summary>
    void Wait();
}

/// <summary>
/// A task that can train data-parallel: when <see cref="TrainOptions.Group"/> has several ranks, it reads only its rank's
/// shard of each epoch (a batch of <c>BatchSize / Size</c> items, so the ranks together make the global batch) and its
/// evaluations and tests sum their counts over the group, so every rank gets the same figures.
/// </summary>
public interface IDataParallelTask;
