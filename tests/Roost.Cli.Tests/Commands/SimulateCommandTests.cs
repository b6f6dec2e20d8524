using System.Text.Json;

namespace Roost.Cli.Tests.Commands;

public sealed class SimulateCommandTests : IDisposable
{
    private const string SmallWorkload = "synthetic:7:60";
    private readonly string _folder = Directory.CreateTempSubdirectory("roost-cli-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static void AssertOneLineError(RoostProcess.Outcome outcome, string expectedFragment)
    {
        Assert.Equal(2, outcome.ExitCode);
        Assert.Equal(string.Empty, outcome.Stdout);
        var lines = outcome.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains(expectedFragment, lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", outcome.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_ListsEveryOption()
    {
        var outcome = RoostProcess.Run("simulate", "--help");

        Assert.Equal(0, outcome.ExitCode);
        foreach (var option in new[] { "--workload", "--policy", "--hosts", "--seed", "--json", "--report", "--vm-order", "--help" })
        {
            Assert.Contains(option, outcome.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void GlobalHelp_ListsSimulate()
    {
        var outcome = RoostProcess.Run("--help");

        Assert.Equal(0, outcome.ExitCode);
        Assert.Contains("simulate", outcome.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownCommand_OneLineAndExitTwo() =>
        AssertOneLineError(RoostProcess.Run("simulat"), "unknown command 'simulat'");

    [Fact]
    public void UnknownOption_OneLineAndExitTwo() =>
        AssertOneLineError(RoostProcess.Run("simulate", "--polcy", "npa"), "unknown option '--polcy'");

    [Fact]
    public void UnknownPolicy_OneLineAndExitTwo() =>
        AssertOneLineError(RoostProcess.Run("simulate", "--workload", SmallWorkload, "--policy", "lr-xyz-1.2"), "unknown VM selection 'xyz'");

    [Fact]
    public void BadHostCount_OneLineAndExitTwo() =>
        AssertOneLineError(RoostProcess.Run("simulate", "--hosts", "many"), "--hosts 'many'");

    [Fact]
    public void MissingTraceFolder_OneLineAndExitTwo() =>
        AssertOneLineError(RoostProcess.Run("simulate", "--workload", $"planetlab:{_folder}/nope"), "nope: no such folder");

    [Fact]
    public void MalformedTrace_NamesFileAndLine()
    {
        var day = Directory.CreateDirectory(Path.Combine(_folder, "day")).FullName;
        File.WriteAllText(Path.Combine(day, "node_a"), "5\n7\n");
        File.WriteAllText(Path.Combine(day, "node_b"), "5\nabc\n");

        var outcome = RoostProcess.Run("simulate", "--workload", $"planetlab:{day}");

        AssertOneLineError(outcome, "node_b: line 2: 'abc' is not a CPU percentage");
    }

    [Fact]
    public void Json_PrintsOnlyTheResultsWithEveryField()
    {
        var outcome = RoostProcess.Run("simulate", "--workload", SmallWorkload, "--hosts", "40", "--policy", "dvfs,lr-mmt-1.2", "--json");

        Assert.Equal(0, outcome.ExitCode);
        using var document = JsonDocument.Parse(outcome.Stdout);
        var results = document.RootElement.GetProperty("results");
        Assert.Equal(2, results.GetArrayLength());
        Assert.Equal("dvfs", results[0].GetProperty("policy").GetString());
        Assert.Equal("lr-mmt-1.2", results[1].GetProperty("policy").GetString());
        foreach (var field in new[] { "workload", "hosts", "vms", "simulatedSeconds", "energyKwh", "migrations", "slatahPercent", "pdmPercent", "slavPercent", "esv", "hostShutdowns", "unplacedVms" })
        {
            Assert.True(results[1].TryGetProperty(field, out _), $"missing {field}");
        }

        Assert.Equal(60, results[1].GetProperty("vms").GetInt32());
        Assert.Equal(0, results[1].GetProperty("unplacedVms").GetInt32());
        Assert.True(results[1].GetProperty("energyKwh").GetDouble() < results[0].GetProperty("energyKwh").GetDouble());
    }

    [Fact]
    public void TooFewHosts_SaysHowManyVmsWereLeftOut()
    {
        var table = RoostProcess.Run("simulate", "--workload", SmallWorkload, "--hosts", "4", "--policy", "lr-mmt-1.2");
        var json = RoostProcess.Run("simulate", "--workload", SmallWorkload, "--hosts", "4", "--policy", "lr-mmt-1.2", "--json");

        Assert.Equal(0, table.ExitCode);
        Assert.Matches(@"note: lr-mmt-1\.2: [1-9][0-9]* of 60 VMs fit no host at t = 0 and were not simulated", table.Stdout);
        using var document = JsonDocument.Parse(json.Stdout);
        Assert.InRange(document.RootElement.GetProperty("results")[0].GetProperty("unplacedVms").GetInt32(), 1, 59);
    }

    [Fact]
    public void Json_TwoRuns_AreByteIdentical()
    {
        string[] args = ["simulate", "--workload", SmallWorkload, "--hosts", "40", "--policy", "thr-rs-0.8,mad-mc-2.5", "--json"];

        var first = RoostProcess.Run(args);
        var second = RoostProcess.Run(args);

        Assert.Equal(0, first.ExitCode);
        Assert.Equal(first.Stdout, second.Stdout);
    }

    [Fact]
    public void Report_WritesMarkdownAndPlots()
    {
        var report = Path.Combine(_folder, "report");

        var outcome = RoostProcess.Run("simulate", "--workload", SmallWorkload, "--hosts", "40", "--policy", "dvfs,thr-mmt-0.8", "--report", report);

        Assert.Equal(0, outcome.ExitCode);
        Assert.Contains("thr-mmt-0.8", File.ReadAllText(Path.Combine(report, "report.md")), StringComparison.Ordinal);
        Assert.All(new[] { "active-hosts.png", "energy.png", "slav.png" }, png => Assert.True(new FileInfo(Path.Combine(report, png)).Length > 1000, png));
    }
}
