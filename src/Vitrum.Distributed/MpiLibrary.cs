using System.Runtime.InteropServices;

namespace Vitrum.Distributed;

/// <summary>
/// The few functions of the MPI C API data-parallel training calls, bound at run time to the system's OpenMPI
/// (<c>libmpi.so.40</c>) or MPICH (<c>libmpich.so.12</c>). The two differ in their ABI's handles, not in the functions:
/// OpenMPI's communicator, datatypes and operations are addresses of exported objects (<c>ompi_mpi_comm_world</c>, ...),
/// its requests pointers, <c>MPI_IN_PLACE</c> is 1 and <c>MPI_STATUS_IGNORE</c> 0; MPICH's are integers fixed in its
/// <c>mpi.h</c> (<c>MPI_COMM_WORLD</c> 0x44000000, <c>MPI_FLOAT</c> 0x4c00040a, <c>MPI_SUM</c> 0x58000003), its requests
/// ints, <c>MPI_IN_PLACE</c> -1 and <c>MPI_STATUS_IGNORE</c> 1. Handles travel as pointer-sized integers: an int
/// argument is the low half of its register or stack slot in the x86-64 and AArch64 calling conventions, and a request
/// lives in an 8-byte slot either way. (MPI.NET 1.4 was built for Microsoft MPI's integer handles, crashes against
/// OpenMPI and has no in-place all-reduce, hence this binding.)
/// </summary>
internal sealed unsafe class MpiLibrary
{
    public const int ThreadSerialized = 2;

    public readonly string Name;
    public readonly nint CommWorld, Float, Double, Sum, InPlace, StatusIgnore;

    public readonly delegate* unmanaged<int*, byte***, int, int*, int> InitThread;
    public readonly delegate* unmanaged<int*, int> Finalized;
    public readonly delegate* unmanaged<int> Finalize;
    public readonly delegate* unmanaged<nint, int*, int> CommRank, CommSize;
    public readonly delegate* unmanaged<nint, nint, int, nint, nint, nint, long*, int> Iallreduce;
    public readonly delegate* unmanaged<nint, long*, int> Ibarrier;
    public readonly delegate* unmanaged<long*, int*, nint, int> Test;
    public readonly delegate* unmanaged<nint, int, int> Abort;

    private MpiLibrary(string name, nint lib, bool openMpi)
    {
        Name = name;
        if (openMpi)
        {
            CommWorld = Export(lib, "ompi_mpi_comm_world");
            Float = Export(lib, "ompi_mpi_float");
            Double = Export(lib, "ompi_mpi_double");
            Sum = Export(lib, "ompi_mpi_op_sum");
            (InPlace, StatusIgnore) = (1, 0);
        }
        else
        {
            (CommWorld, Float, Double, Sum) = (0x44000000, 0x4c00040a, 0x4c00080b, 0x58000003);
            (InPlace, StatusIgnore) = (-1, 1);
        }
        InitThread = (delegate* unmanaged<int*, byte***, int, int*, int>)Export(lib, "MPI_Init_thread");
        Finalized = (delegate* unmanaged<int*, int>)Export(lib, "MPI_Finalized");
        Finalize = (delegate* unmanaged<int>)Export(lib, "MPI_Finalize");
        CommRank = (delegate* unmanaged<nint, int*, int>)Export(lib, "MPI_Comm_rank");
        CommSize = (delegate* unmanaged<nint, int*, int>)Export(lib, "MPI_Comm_size");
        Iallreduce = (delegate* unmanaged<nint, nint, int, nint, nint, nint, long*, int>)Export(lib, "MPI_Iallreduce");
        Ibarrier = (delegate* unmanaged<nint, long*, int>)Export(lib, "MPI_Ibarrier");
        Test = (delegate* unmanaged<long*, int*, nint, int>)Export(lib, "MPI_Test");
        Abort = (delegate* unmanaged<nint, int, int>)Export(lib, "MPI_Abort");
    }

    /// <summary>OpenMPI's library: the first of these that loads.</summary>
    public static readonly string[] OpenMpiNames = { "libmpi.so.40", "libmpi.so" };

    /// <summary>MPICH's library (and its ABI-compatible builds, as Intel MPI's libmpi.so.12).</summary>
    public static readonly string[] MpichNames = { "libmpich.so.12", "libmpi.so.12", "libmpich.so" };

    /// <summary>Loads the library of <paramref name="flavor"/>, or the file <paramref name="path"/> when given.</summary>
    /// <exception cref="DllNotFoundException">no such library could be loaded; the message names what was tried</exception>
    public static MpiLibrary Load(MpiFlavor flavor, string? path)
    {
        var names = path != null ? new[] { path } : flavor == MpiFlavor.OpenMpi ? OpenMpiNames : MpichNames;
        var errors = new List<string>();
        foreach (var name in names)
        {
            // RTLD_GLOBAL: OpenMPI's plugins (mca_*.so, opened by the library itself) resolve their symbols against it.
            nint lib = DlOpen(name, RtldNow | RtldGlobal);
            if (lib != 0) return new MpiLibrary(name, lib, flavor == MpiFlavor.OpenMpi);
            errors.Add(Marshal.PtrToStringUTF8(DlError()) ?? name);
        }
        throw new DllNotFoundException($"{flavor} was detected from the launcher's environment but its library could not be loaded ({string.Join("; ", errors)}); " +
            $"install it (Debian: {(flavor == MpiFlavor.OpenMpi ? "openmpi-bin" : "mpich")}) or name the library in VITRUM_MPI_LIBRARY");
    }

    private static nint Export(nint lib, string name) =>
        NativeLibrary.TryGetExport(lib, name, out var p) ? p : throw new EntryPointNotFoundException($"the MPI library has no symbol {name}: is it OpenMPI 4+ or MPICH 3+?");

    private const int RtldNow = 2, RtldGlobal = 0x100;

    [DllImport("libc", EntryPoint = "dlopen")]
    private static extern nint DlOpen([MarshalAs(UnmanagedType.LPUTF8Str)] string file, int mode);

    [DllImport("libc", EntryPoint = "dlerror")]
    private static extern nint DlError();
}

/// <summary>The two MPI families whose ABIs the binding knows.</summary>
public enum MpiFlavor { OpenMpi, Mpich }
