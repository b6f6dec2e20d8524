using Roost.Core.Model;
using Roost.Simulation.Input.Fuzzing;
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
    [InlineData("\"durationSeconds\": 60", "\"durationSeconds\": \"long\"", "tiny.json: durationSeconds: expected a whole number from 1 to 604800, got \"long\"")]
    [InlineData("\"host\": 1", "\"host\": 3", "tiny.json: vms[0].host: no host has id 3")]
    [InlineData("{ \"startSecond\": 0, \"cpuCores\": 0.5,", "{ \"startSecond\": 0, \"cpuCores\": -1,", "tiny.json: vms[0].phases[0].cpuCores: expected a number ≥ 0 and ≤ 4096, got -1")]
    [InlineData("\"startSecond\": 30", "\"startSecond\": 0", "tiny.json: vms[0].phases[1].startSecond: phases must start in increasing order; 0 follows 0")]
    [InlineData("\"startSecond\": 30", "\"startSecond\": 90", "tiny.json: vms[0].phases: a phase starts at second 90, after the scenario ends (60 s)")]
    [InlineData("\"networkMbps\": 1000 }", "\"networkMbps\": 1000, \"disk\": 5 }", "tiny.json: hosts[0].disk: unknown field (expected one of: id, name, cpuCores, memoryMiB, networkMbps)")]
    [InlineData("\"name\": \"tiny\",", "", "tiny.json: name: missing")]
    [InlineData("\"durationSeconds\": 60", "\"durationSeconds\": 60, \"windowLength\": 2000000000", "tiny.json: windowLength: expected a whole number from 1 to 1000, got 2000000000")]
    [InlineData("\"durationSeconds\": 60", "\"durationSeconds\": 2147483647", "tiny.json: durationSeconds: expected a whole number from 1 to 604800, got 2147483647")]
    [InlineData("\"durationSeconds\": 60", "\"durationSeconds\": 60, \"migrationBandwidthMbps\": 1e999", "tiny.json: migrationBandwidthMbps: expected a number > 0 and ≤ 10000000, got 1e999")]
    [InlineData("\"memoryMiB\": 1024", "\"memoryMiB\": 1e300", "tiny.json: vms[0].memoryMiB: expected a number > 0 and ≤ 16777216, got 1e300")]
    [InlineData("\"name\": \"tiny\"", "\"name\": \"t\\u001b]0;pwned\\u0007\"", "tiny.json: name: a name may not hold control characters; found \\x1B")]
    [InlineData("\"host\": 1", "\"host\": \"\\u001b[2J\"", "tiny.json: vms[0].host: expected a whole number ≥ 0, got \"\\x1B[2J\"")]
    [InlineData("\"networkMbps\": 1000 }", "\"networkMbps\": 1000, \"\\u001b[2J\": 5 }", "tiny.json: hosts[0].\\x1B[2J: unknown field (expected one of: id, name, cpuCores, memoryMiB, networkMbps)")]
    [InlineData("\"targetResponseSeconds\": 0.5", "\"targetResponseSeconds\": 0", "tiny.json: vms[0].phases[1].application.targetResponseSeconds: expected a number > 0 and ≤ 1000000, got 0")]
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

        Assert.Equal(path + ": no such file", error.Message);
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

    [Theory]
    [InlineData("fifo", "is a named pipe (FIFO), not a regular file")]
    [InlineData("/dev/zero", "is a character device, not a regular file (a link to /dev/zero)")]
    public async Task ReadFile_SpecialFile_IsRefusedWithoutBlocking(string special, string expected)
    {
        var folder = Directory.CreateTempSubdirectory("roost-scenario-").FullName;
        try
        {
            var path = Path.Combine(folder, "s.json");
            if (special == "fifo")
            {
                SpecialFile.MakeFifo(path);
            }
            else
            {
                File.CreateSymbolicLink(path, special);
            }

            var read = await Task.Run(() => Assert.Throws<ScenarioFormatException>(() => ScenarioReader.ReadFile(path))).WaitAsync(TimeSpan.FromSeconds(30));

            Assert.Equal($"{path}: {expected}", read.Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Parse_TooManyHosts_IsRefusedBeforeReadingThem()
    {
        var hosts = string.Join(",", Enumerable.Range(1, ScenarioReader.MaxHosts + 1).Select(i => $"{{ \"id\": {i}, \"cpuCores\": 1, \"memoryMiB\": 1, \"networkMbps\": 1 }}"));
        var json = $"{{ \"name\": \"many\", \"durationSeconds\": 10, \"hosts\": [{hosts}], \"vms\": [] }}";

        var error = Assert.Throws<ScenarioFormatException>(() => ScenarioReader.Parse(json, "many.json"));

        Assert.Equal("many.json: hosts: expected 1 to 1000 hosts, got 1001", error.Message);
    }

    [Fact]
    public void Parse_ByteOrderMark_IsAccepted()
    {
        Assert.Equal("tiny", ScenarioReader.Parse("\uFEFF" + Minimal, "tiny.json").Name);
    }

    /// <summary>Found by the fuzz pass: invalid UTF-8 inside a JSON string passed the parser, then threw when the string was read.</summary>
    [Fact]
    public void ReadFile_InvalidUtf8InAString_IsOneLineNamingTheLine()
    {
        var path = Path.Combine(Path.GetTempPath(), $"roost-scenario-utf8-{Environment.ProcessId}.json");
        var bytes = System.Text.Encoding.UTF8.GetBytes(Minimal.Replace("\"tiny\"", "\"t?ny\"", StringComparison.Ordinal));
        bytes[Array.IndexOf(bytes, (byte)'?')] = 0xE5;
        File.WriteAllBytes(path, bytes);
        try
        {
            var error = Assert.Throws<ScenarioFormatException>(() => ScenarioReader.ReadFile(path));

            Assert.Equal($"{path}: line 2: not valid UTF-8 (byte {Array.IndexOf(bytes, (byte)0xE5)})", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Found by the fuzz pass: the parser's message quotes the bad token whole, here 100,000 characters.</summary>
    [Fact]
    public void Parse_EnormousBadToken_IsQuotedShort()
    {
        var error = Assert.Throws<ScenarioFormatException>(() => ScenarioReader.Parse("{ \"name\": t" + new string('9', 100_000) + " }", "big.json"));

        Assert.StartsWith("big.json: line 1: not valid JSON: ", error.Message, StringComparison.Ordinal);
        Assert.True(error.Message.Length < 300, $"{error.Message.Length} characters");
    }
}
