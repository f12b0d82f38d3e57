using Vitrum.Training.Distributed;

namespace Vitrum.Distributed;

/// <summary>
/// The process group this process was started in, found from the environment its launcher set: OpenMPI's
/// <c>mpirun</c> sets <c>OMPI_COMM_WORLD_SIZE</c> (and <c>srun --mpi=pmix</c> <c>PMIX_RANK</c>), MPICH's Hydra
/// <c>PMI_RANK</c>/<c>PMI_SIZE</c>. Without them it is one process and no MPI library is loaded at all, so nothing
/// needs MPI installed unless it runs under a launcher. <c>VITRUM_MPI_LIBRARY</c> names the library file to load
/// instead of the flavour's usual one; <c>VITRUM_MPI_TIMEOUT</c> the seconds a collective waits for lost ranks (45).
/// </summary>
public static class ProcessGroups
{
    /// <summary>The MPI family whose launcher started this process, or null when none did.</summary>
    public static MpiFlavor? Detect(Func<string, string?> env)
    {
        if (env("OMPI_COMM_WORLD_SIZE") != null) return MpiFlavor.OpenMpi;
        if (env("PMI_SIZE") != null || env("PMI_RANK") != null || env("HYDRA_CONTROL_FD") != null) return MpiFlavor.Mpich;
        if (env("PMIX_RANK") != null) return MpiFlavor.OpenMpi;
        return null;
    }

    /// <summary>The MPI world when a launcher started this process, else <see cref="SingleProcess"/>.</summary>
    public static IProcessGroup FromEnvironment()
    {
        if (Detect(Environment.GetEnvironmentVariable) is not { } flavor) return SingleProcess.Instance;
        var mpi = MpiLibrary.Load(flavor, Environment.GetEnvironmentVariable("VITRUM_MPI_LIBRARY"));
        var timeout = Environment.GetEnvironmentVariable("VITRUM_MPI_TIMEOUT") is { } s
            ? double.TryParse(s, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var sec) && sec > 0 ? sec
                : throw new ArgumentException($"VITRUM_MPI_TIMEOUT must be a positive number of seconds, got '{s}'")
            : 45;
        return new MpiProcessGroup(mpi, flavor) { Timeout = TimeSpan.FromSeconds(timeout) };
    }
}
