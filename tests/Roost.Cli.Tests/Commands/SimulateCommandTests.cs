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
        foreach (var option in new[] { "--workload", "--policy", "--hosts", "--seed", "--json", "--report", "--vm-order", "--hardware", "--memory", "--fleet", "--help" })
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
        Assert.Matches(@"warning: lr-mmt-1\.2: [1-9][0-9]* of 60 VMs never ran \(no host could create them\): [0-9]+ found no host with room left at t = 0", table.Stdout);
        Assert.Matches(@"^roost simulate: warning: synthetic:7: lr-mmt-1\.2: [1-9][0-9]* of 60 VMs never ran", json.Stderr);
        using var document = JsonDocument.Parse(json.Stdout);
        var result = document.RootElement.GetProperty("results")[0];
        Assert.InRange(result.GetProperty("unplacedVms").GetInt32(), 1, 59);
        Assert.Contains("VMs never ran", result.GetProperty("warnings")[0].GetString(), StringComparison.Ordinal);
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
        var markdown = File.ReadAllText(Path.Combine(report, "report.md"));
        Assert.Contains("thr-mmt-0.8", markdown, StringComparison.Ordinal);
        Assert.Contains($"- Command: `roost simulate --workload synthetic:7:60 --policy dvfs,thr-mmt-0.8 --hosts 40 --report {report}`", markdown, StringComparison.Ordinal);
        Assert.Contains("- Seed: 1", markdown, StringComparison.Ordinal);
        Assert.Matches(@"- Version: roost [0-9]", markdown);
        Assert.All(new[] { "active-hosts.png", "energy.png", "slav.png" }, png => Assert.True(new FileInfo(Path.Combine(report, png)).Length > 1000, png));
        Assert.StartsWith("workload,policy,time_s,active_hosts\nsynthetic:7,dvfs,300.1,", File.ReadAllText(Path.Combine(report, "active-hosts.csv")), StringComparison.Ordinal);
    }

    [Fact]
    public void Hardware_RunsACsvWorkloadOnTheFleetDescribed()
    {
        var csv = Path.Combine(_folder, "load.csv");
        File.WriteAllText(csv, "vm,time_s,cpu_percent\na,0,50\na,300,50\na,600,50\nb,0,20\nb,300,20\nb,600,20\n");
        var hardware = Path.Combine(_folder, "fleet.json");
        File.WriteAllText(hardware, """
            {"hosts": 2, "hostTypes": [{"name": "mine", "cores": 8, "mipsPerCore": 2000, "memoryMiB": 32768, "bandwidthMbps": 1000,
              "power": {"idleWatts": 100, "maxWatts": 250}}],
             "vmTypes": [{"name": "vm", "cores": 2, "mipsPerCore": 1000, "memoryMiB": 4096, "bandwidthMbps": 100}]}
            """);

        var outcome = RoostProcess.Run("simulate", "--workload", $"csv:{csv}", "--hardware", hardware, "--policy", "npa", "--json");

        Assert.True(outcome.ExitCode == 0, outcome.Stderr);
        var result = JsonDocument.Parse(outcome.Stdout).RootElement.GetProperty("results")[0];
        Assert.Equal(2, result.GetProperty("hosts").GetInt32());

        // NPA: both hosts at 250 W until the last tick, 600.1 s of a 900 s run.
        Assert.Equal(2 * 250 * 600.1 / 3.6e6, result.GetProperty("energyKwh").GetDouble(), 9);
    }

    [Theory]
    [InlineData("{\"hosts\": 1, \"racks\": 2}", "fleet.json: racks: unknown field")]
    [InlineData("{\"hosts\": -3}", "fleet.json: hosts: expected a whole number from 1 to 1000000, got -3")]
    public void Hardware_BadFile_OneLineAndExitTwo(string json, string expected)
    {
        var hardware = Path.Combine(_folder, "fleet.json");
        File.WriteAllText(hardware, json);

        AssertOneLineError(RoostProcess.Run("simulate", "--workload", SmallWorkload, "--hardware", hardware), expected);
    }

    [Fact]
    public void FleetAndHardware_AreRefusedTogether() =>
        AssertOneLineError(RoostProcess.Run("simulate", "--fleet", "cloudsim", "--hardware", "x.json"), "give --fleet or --hardware, not both");
}
