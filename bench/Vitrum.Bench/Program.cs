using System.Reflection;
using BenchmarkDotNet.Running;

namespace Vitrum.Bench;

/// <summary>
/// <c>dotnet run -c Release --project bench/Vitrum.Bench -- NAME</c> runs a side-by-side comparison;
/// <c>-- bdn [BenchmarkDotNet args]</c> runs the BenchmarkDotNet suites (e.g. <c>-- bdn --filter *Gemm*</c>).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var comparisons = typeof(Program).Assembly.GetTypes()
            .Where(t => typeof(ISideBySide).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
            .Select(t => (ISideBySide)Activator.CreateInstance(t)!)
            .OrderBy(c => c.Name)
            .ToList();
        if (args.Length > 0 && args[0] == "bdn")
        {
            BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args[1..]);
            return 0;
        }
        var chosen = args.Length > 0 ? comparisons.FirstOrDefault(c => c.Name == args[0]) : null;
        if (chosen == null)
        {
            Console.Error.WriteLine("usage: Vitrum.Bench NAME [args] | bdn [BenchmarkDotNet args]");
            foreach (var c in comparisons) Console.Error.WriteLine($"  {c.Name,-20} {c.Description}");
            return args.Length == 0 ? 0 : 2;
        }
        return chosen.Run(args[1..]);
    }
}
