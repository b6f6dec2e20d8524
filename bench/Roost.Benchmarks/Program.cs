using BenchmarkDotNet.Running;

namespace Roost.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project bench/Roost.Benchmarks -- --filter '*'</c>. Not run in CI.
/// </summary>
internal static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
