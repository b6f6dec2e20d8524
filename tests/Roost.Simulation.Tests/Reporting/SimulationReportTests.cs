using Roost.Simulation.Metrics;
using Roost.Simulation.Reporting;
using Roost.Simulation.Tests.Workloads;

namespace Roost.Simulation.Tests.Reporting;

public sealed class SimulationReportTests : IDisposable
{
    private static readonly byte[] _pngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    internal static SimulationResult Fake(string policy, double energy, double slav, int seed)
    {
        var random = new Random(seed);
        var times = Enumerable.Range(0, 289).Select(i => i * 300.0).ToArray();
        var hosts = times.Select(_ => (double)random.Next(80, 120)).ToArray();
        return new SimulationResult(
            policy, "synthetic:1", 800, 1052, 86_400, energy, 27_000 + seed, 5.5, 0.08, slav, energy * slav / 100, 3000,
            new TimeSeries(times, hosts));
    }

    private static readonly ReportContext _context = new("roost simulate --workload synthetic:1 --seed 7", "1.2.3+abc", 7);

    [Fact]
    public void Write_TwoResults_WritesMarkdownAndThreePngs()
    {
        var results = new[] { Fake("lr-mmt-1.2", 167.83, 0.00432, 1), Fake("thr-mmt-0.8", 198.08, 0.00357, 2) };
        var directory = Path.Combine(_temp.Path, "report");

        var written = SimulationReport.Write(directory, results, _context);

        var markdown = File.ReadAllText(Path.Combine(directory, "report.md"));
        Assert.Contains("| lr-mmt-1.2 | 167.83 | 27001 |", markdown, StringComparison.Ordinal);
        Assert.Contains("| thr-mmt-0.8 | 198.08 | 27002 |", markdown, StringComparison.Ordinal);
        Assert.Contains("`synthetic:1`: 800 hosts, 1052 VMs, 24.0 h simulated", markdown, StringComparison.Ordinal);
        Assert.Equal(5, written.Count);
        foreach (var png in new[] { "active-hosts.png", "energy.png", "slav.png" })
        {
            Assert.Contains($"]({png})", markdown, StringComparison.Ordinal);
            var bytes = File.ReadAllBytes(Path.Combine(directory, png));
            Assert.True(bytes.Length > 1000, $"{png} has only {bytes.Length} bytes");
            Assert.Equal(_pngSignature, bytes[..8]);
        }
    }

    [Fact]
    public void Markdown_SeveralWorkloads_AddsAWorkloadColumn()
    {
        var results = new[] { Fake("npa", 2410.8, 0, 1), Fake("npa", 2000, 0, 2) with { Workload = "planetlab:20110303" } };

        var markdown = SimulationReport.Markdown(results, _context);

        Assert.Contains("| policy | workload | energy kWh |", markdown, StringComparison.Ordinal);
        Assert.Contains("| npa | planetlab:20110303 | 2000.00 |", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void Markdown_RecordsCommandVersionSeedAndWarnings()
    {
        var results = new[] { Fake("lr-mmt-1.2", 100, 0.001, 1) with { UnplacedVms = 3, Warnings = ["3 of 1052 VMs never ran"] } };

        var markdown = SimulationReport.Markdown(results, _context);

        Assert.Contains("- Command: `roost simulate --workload synthetic:1 --seed 7`", markdown, StringComparison.Ordinal);
        Assert.Contains("- Version: roost 1.2.3+abc", markdown, StringComparison.Ordinal);
        Assert.Contains("- Seed: 7", markdown, StringComparison.Ordinal);
        Assert.Contains("- **lr-mmt-1.2 on `synthetic:1`**: 3 of 1052 VMs never ran", markdown, StringComparison.Ordinal);
        Assert.Contains("| 3000 | 0.0 | 3 |", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void Csv_SeveralWorkloads_HasEveryPointOfEverySeriesLabelled()
    {
        var results = new[] { Fake("npa", 1, 0, 1), Fake("npa", 2, 0, 2) with { Workload = "csv:a,b.csv" } };

        var lines = SimulationReport.Csv(results).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal("workload,policy,time_s,active_hosts", lines[0]);
        Assert.Equal(1 + (2 * 289), lines.Length);
        Assert.Equal($"synthetic:1,npa,300,{results[0].ActiveHosts.Values[1]}", lines[2]);
        Assert.StartsWith("\"csv:a,b.csv\",npa,0,", lines[290], StringComparison.Ordinal);
    }
}
