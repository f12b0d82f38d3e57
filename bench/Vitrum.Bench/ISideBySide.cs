namespace Vitrum.Bench;

/// <summary>
/// A comparison run outside BenchmarkDotNet: measures Vitrum and a peer (OpenBLAS, our own composed
/// ops, ...) in the same process, one after the other, and prints ratios. Found by reflection.
/// </summary>
public interface ISideBySide
{
    /// <summary>The name given on the command line: <c>dotnet run -c Release -- NAME [args]</c>.</summary>
    string Name { get; }

    string Description { get; }

    int Run(string[] args);
}
