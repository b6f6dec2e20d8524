using Roost.Core.Model;
using Roost.Simulation.Scenarios;

namespace Roost.Simulation.Tests.Scenarios;

public sealed class ScenarioReaderTests
{
    private const string Minimal = """
        {
          "name": "tiny",
          "durationSeconds": 60,
          "hosts": [ { "id": 1, "cpuCores": 4, "memoryMiB": 4096, "networkMbps": 1000 } ],
          "vms": [
            {
              "id": 7, "host": 1, "cpuCores": 2, "memoryMiB": 1024, "networkMbps": 100,
              "phases": [
                { "startSecond": 0, "cpuCores": 0.5, "networkMbps": 10 },
                { "startSecond": 30, "cpuCores": 1.5, "application": { "arrivalRatePerSecond": 10, "cpuSecondsPerRequest": 0.1, "targetResponseSeconds": 0.5 } }
              ]
            }
          ]
        }
        """;

    [Fact]
    public void Parse_Minimal_AppliesDefaultsAndCarriesPhaseFieldsForward()
    {
        var scenario = ScenarioReader.Parse(Minimal, "tiny.json");

        Assert.Equal("tiny", scenario.Name);
        Assert.Equal(TimeSpan.FromSeconds(5), scenario.MonitoringInterval);
        Assert.Equal(1000, scenario.MigrationBandwidthMbps);
        Assert.Equal(12, scenario.WindowLength);
        var vm = Assert.Single(scenario.Vms);
        Assert.Equal(new VmId(7), vm.Id);
        Assert.Equal("vm-7", vm.Name);
        Assert.Equal(new ResourceVector(2, 1024, 100), vm.Allocation);
        Assert.False(vm.GuestStats);
        Assert.Equal(512, vm.Phases[0].WorkingSetMiB);
        Assert.Equal(10, vm.Phases[1].NetworkMbps);
        Assert.Equal(1.5, vm.PhaseAt(45).CpuCores);
        Assert.Equal(0.5, vm.PhaseAt(29).CpuCores);
        Assert.Equal(1, vm.Phases[1].Application?.ServiceCv);
    }

    [Theory]
    [InlineData("\"durationSeconds\": 60", "\"durationSeconds\": \"long\"", "tiny.json: durationSeconds: expected a whole number ≥ 1, got \"long\"")]
    [InlineData("\"host\": 1", "\"host\": 3", "tiny.json: vms[0].host: no host has id 3")]
    [InlineData("{ \"startSecond\": 0, \"cpuCores\": 0.5,", "{ \"startSecond\": 0, \"cpuCores\": -1,", "tiny.json: vms[0].phases[0].cpuCores: expected a number ≥ 0, got -1")]
    [InlineData("\"startSecond\": 30", "\"startSecond\": 0", "tiny.json: vms[0].phases[1].startSecond: phases must start in increasing order; 0 follows 0")]
    [InlineData("\"startSecond\": 30", "\"startSecond\": 90", "tiny.json: vms[0].phases: a phase starts at second 90, after the scenario ends (60 s)")]
    [InlineData("\"networkMbps\": 1000 }", "\"networkMbps\": 1000, \"disk\": 5 }", "tiny.json: hosts[0].disk: unknown field (expected one of: id, name, cpuCores, memoryMiB, networkMbps)")]
    [InlineData("\"name\": \"tiny\",", "", "tiny.json: name: missing")]
    [InlineData("\"targetResponseSeconds\": 0.5", "\"targetResponseSeconds\": 0", "tiny.json: vms[0].phases[1].application.targetResponseSeconds: expected a number > 0, got 0")]
    public void Parse_BadField_OneLineErrorNamingFileAndField(string find, string replace, string expected)
    {
        var json = Minimal.Replace(find, replace, StringComparison.Ordinal);
        Assert.NotEqual(Minimal, json);

        var error = Assert.Throws<ScenarioFormatException>(() => ScenarioReader.Parse(json, "tiny.json"));

        Assert.Equal(expected, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Parse_NotJson_NamesFileAndLine()
    {
        var error = Assert.Throws<ScenarioFormatException>(() => ScenarioReader.Parse("{\n  \"name\": ,\n}", "broken.json"));

        Assert.StartsWith("broken.json: line 2: not valid JSON", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadFile_Missing_NamesThePath()
    {
        var path = Path.Combine(Path.GetTempPath(), "roost-no-such-scenario.json");

        var error = Assert.Throws<ScenarioFormatException>(() => ScenarioReader.ReadFile(path));

        Assert.StartsWith(path + ": cannot read", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("single-hotspot", 3, 5)]
    [InlineData("swap", 2, 4)]
    [InlineData("resize", 2, 3)]
    [InlineData("memory-pressure", 2, 3)]
    public void ExampleScenarios_AllRead(string name, int hosts, int vms)
    {
        var scenario = ExampleScenarios.Load(name);

        Assert.Equal(name, scenario.Name);
        Assert.Equal(hosts, scenario.Hosts.Count);
        Assert.Equal(vms, scenario.Vms.Count);
        Assert.Equal(TimeSpan.FromSeconds(5), scenario.MonitoringInterval);
    }
}
