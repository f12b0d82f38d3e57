using Vitrum.Distributed;
using Vitrum.Training.Distributed;

namespace Vitrum.Cli.Commands;

/// <summary>
/// <c>mpirun -np N vitrum train ...</c>: the MPI world the launcher started (<see cref="ProcessGroups"/>), or one process.
/// <c>--batch-size</c> stays the global batch (each rank reads BatchSize / N items), so a recipe's learning rate, warmup
/// and steps per epoch hold whatever N is; <c>--threads</c> is per rank.
/// </summary>
public static class DataParallel
{
    /// <summary>The group this process belongs to (every task kind trains data-parallel: classification, sequence-to-sequence, detection).</summary>
    public static IProcessGroup Start() => ProcessGroups.FromEnvironment();

    /// <summary>
    /// Runs <paramref name="train"/>; when it fails on one rank of several, MPI is left unfinalized (finalizing waits for
    /// the other ranks, which wait in a collective for this one): the process exits, and the launcher stops the rest.
    /// </summary>
    public static int Run(IProcessGroup group, Func<int> train)
    {
        try { return train(); }
        catch when (group is MpiProcessGroup mpi)
        {
            mpi.Abandon();
            throw;
        }
    }

    /// <summary>"2 threads", or "2 processes (OpenMpi, libmpi.so.40) x 1 thread" for the start line.</summary>
    public static string Describe(IProcessGroup group, int threads) => group is MpiProcessGroup mpi
        ? $"{mpi.Size} processes ({mpi.Flavor}, {mpi.Library}) x {threads} threads"
        : $"{threads} threads";
}
