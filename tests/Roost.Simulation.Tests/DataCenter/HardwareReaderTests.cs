using Roost.Core.Power;
using Roost.Simulation.DataCenter;
using Roost.Simulation.Workloads;

namespace Roost.Simulation.Tests.DataCenter;

public sealed class HardwareReaderTests
{
    private static readonly TimeSpan _interval = TimeSpan.FromSeconds(300);

    private const string Valid = """
        {
          "hosts": 3,
          "hostTypes": [
            { "name": "big", "cores": 16, "mipsPerCore": 2500, "memoryMiB": 131072, "bandwidthMbps": 10000,
              "power": { "idleWatts": 100, "maxWatts": 300 } },
            { "name": "old", "cores": 4, "mipsPerCore": 2000, "memoryMiB": 16384, "bandwidthMbps": 1000,
              "power": { "wattsAtTenths": [50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150] } }
          ],
          "vmTypes": [
            { "name": "web", "cores": 2, "mipsPerCore": 1000, "memoryMiB": 2048, "bandwidthMbps": 100 },
            { "name": "db", "cores": 4, "mipsPerCore": 2000, "memoryMiB": 8192, "bandwidthMbps": 1000 }
          ],
          "vmTypeOf": { "vm-b": "db" }
        }
        """;

    private static DataCenterSetup Parse(string json) => HardwareReader.Parse(json, "fleet.json", _interval, _interval * 4, seed: 1);

    [Fact]
    public void Parse_ValidFile_DescribesTheFleet()
    {
        var setup = Parse(Valid);

        Assert.Equal(3, setup.HostCount);
        Assert.Equal(["big", "old"], setup.HostTypes.Select(t => t.Name));
        Assert.Equal(40_000, setup.HostTypes[0].TotalMips);
        Assert.Equal(300, setup.HostTypes[0].Power.PowerWatts(1), 9);
        Assert.Equal(100, setup.HostTypes[0].Power.PowerWatts(0), 9);
        Assert.Equal(95, Assert.IsType<SpecPowerModel>(setup.HostTypes[1].Power).PowerWatts(0.45), 9);
        Assert.False(setup.UseTraceShapes);

        // vm-b is named; the others take types by index (⌈3 / 2⌉ = 2 per type): vm-a and vm-c are web and db.
        var traces = new[] { "vm-a", "vm-b", "vm-c" }.Select(n => new VmTrace(n, [0.5])).ToArray();
        Assert.Equal((2000, 2, 2048, 100), setup.VmSize(traces[0], 0, 3));
        Assert.Equal((8000, 4, 8192, 1000), setup.VmSize(traces[1], 1, 3));
        Assert.Equal((8000, 4, 8192, 1000), setup.VmSize(traces[2], 2, 3));
    }

    [Fact]
    public void Parse_ValidFile_RunsAWorkloadOnIt()
    {
        // NPA charges every host its full power until the last tick (900.1 s of a 1200 s run): big, old, big.
        var workload = new Workload("csv", _interval, [new VmTrace("vm-a", [0.5, 0.5, 0.5, 0.5]), new VmTrace("vm-b", [0.2, 0.2, 0.2, 0.2])]);
        Assert.True(SimulatedPolicy.TryParse("npa", _interval, out var npa, out _));

        var result = DataCenterSimulator.Run(workload, Parse(Valid), npa);

        Assert.Equal((300 + 150 + 300) * 900.1 / 3.6e6, result.EnergyKwh, 9);
        Assert.Equal(0, result.UnplacedVms);
        Assert.Equal(3, result.Hosts);
    }

    [Theory]
    [InlineData("""{"hosts": 3, "hostTypes": [], "vmTypes": []}""", "fleet.json: hostTypes: expected an array of 1 to 64 types")]
    [InlineData("""{"hosts": -1, "hostTypes": []}""", "fleet.json: hosts: expected a whole number from 1 to 1000000, got -1")]
    [InlineData("""{"hosts": 1e12, "hostTypes": []}""", "fleet.json: hosts: expected a whole number from 1 to 1000000, got 1e12")]
    [InlineData("""{"hosts": 1, "hostTypes": [{"name": "a", "cores": 1, "mipsPerCore": "NaN", "memoryMiB": 1, "bandwidthMbps": 1, "power": {"idleWatts": 1, "maxWatts": 2}}]}""", "fleet.json: hostTypes[0].mipsPerCore: expected a number above 0 to 10000000, got \"NaN\"")]
    [InlineData("""{"hosts": 1, "hostTypes": [{"name": "a", "cores": 1, "mipsPerCore": NaN}]}""", "fleet.json: line 1: not valid JSON")]
    [InlineData("""{"hosts": 1, "hostTypes": [{"name": "a", "cores": 1, "mipsPerCore": -5, "memoryMiB": 1, "bandwidthMbps": 1, "power": {"idleWatts": 1, "maxWatts": 2}}]}""", "fleet.json: hostTypes[0].mipsPerCore: expected a number above 0 to 10000000, got -5")]
    [InlineData("""{"hosts": 1, "hostTypes": [{"name": "a", "cores": 1, "mipsPerCore": 1, "memoryMiB": 99999999999, "bandwidthMbps": 1, "power": {"idleWatts": 1, "maxWatts": 2}}]}""", "fleet.json: hostTypes[0].memoryMiB: expected a whole number from 1 to 16777216")]
    [InlineData("""{"hosts": 1, "hostTypes": [{"name": "a", "cores": 1, "mipsPerCore": 1, "memoryMiB": 1, "bandwidthMbps": 1, "power": {"idleWatts": 1, "maxWatts": 2}, "colour": "red"}]}""", "fleet.json: hostTypes[0].colour: unknown field")]
    [InlineData("""{"hosts": 1, "hostTypes": [{"name": "a", "cores": 1, "mipsPerCore": 1, "memoryMiB": 1, "bandwidthMbps": 1, "power": {"idleWatts": 3, "maxWatts": 2}}]}""", "fleet.json: hostTypes[0].power.idleWatts: 3 W idle is more than 2 W at full load")]
    [InlineData("""{"hosts": 1, "hostTypes": [{"name": "a", "cores": 1, "mipsPerCore": 1, "memoryMiB": 1, "bandwidthMbps": 1, "power": {"wattsAtTenths": [1, 2]}}]}""", "fleet.json: hostTypes[0].power.wattsAtTenths: expected 11 numbers")]
    [InlineData("""{"hosts": 1, "hostTypes": [{"name": "a", "cores": 1, "mipsPerCore": 1, "memoryMiB": 1, "bandwidthMbps": 1}]}""", "fleet.json: hostTypes[0].power: missing")]
    [InlineData("""{"hosts": 1, "hosts": 2, "hostTypes": []}""", "fleet.json: hosts: given twice")]
    [InlineData("""{"hosts": 1, "racks": 2}""", "fleet.json: racks: unknown field")]
    [InlineData("""{"hosts": 1, "hostTypes": [{"name": "a", "cores": 1, "mipsPerCore": 1, "memoryMiB": 1, "bandwidthMbps": 1, "power": {"idleWatts": 1, "maxWatts": 2}}], "vmTypes": [{"name": "v", "cores": 1, "mipsPerCore": 1, "memoryMiB": 1, "bandwidthMbps": 1}], "vmTypeOf": {"x": "w"}}""", "fleet.json: vmTypeOf.x: 'w' is not one of vmTypes' names")]
    [InlineData("[1, 2]", "fleet.json: (top level): expected an object")]
    public void Parse_BadInput_OneLineNamingFileAndField(string json, string expected)
    {
        var error = Assert.Throws<HardwareFormatException>(() => Parse(json));

        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void ReadFile_AFolder_IsRefusedInOneLine()
    {
        var error = Assert.Throws<HardwareFormatException>(() => HardwareReader.ReadFile(Path.GetTempPath(), _interval, _interval, 1));

        Assert.Contains("folder", error.Message, StringComparison.Ordinal);
    }
}
