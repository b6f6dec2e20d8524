using Roost.Simulation.Input.Fuzzing;

namespace Roost.Cli.Tests.Commands;

/// <summary>
/// Hostile files and paths through the real CLI: one printable line on stderr naming what and where, exit code 2,
/// no stack trace, and nothing that blocks (a FIFO) or never ends (a link to /dev/zero).
/// </summary>
public sealed class BadInputTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("roost-cli-bad-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static void AssertOneCleanLine(RoostProcess.Outcome outcome, string expected)
    {
        Assert.Equal(2, outcome.ExitCode);
        Assert.Equal(string.Empty, outcome.Stdout);
        Assert.Equal(expected + "\n", outcome.Stderr);
    }

    [Fact]
    public void Workload_FifoInTraceFolder_OneLineAndExitTwo()
    {
        var day = Directory.CreateDirectory(Path.Combine(_folder, "day")).FullName;
        File.WriteAllText(Path.Combine(day, "node_a"), "5\n");
        SpecialFile.MakeFifo(Path.Combine(day, "node_b"));

        var outcome = RoostProcess.Run("simulate", "--workload", $"planetlab:{day}");

        AssertOneCleanLine(outcome, $"{day}/node_b: is a named pipe (FIFO), not a regular file");
    }

    [Fact]
    public void Workload_CsvLinkedToDevZero_OneLineAndExitTwo()
    {
        var link = Path.Combine(_folder, "w.csv");
        File.CreateSymbolicLink(link, "/dev/zero");

        var outcome = RoostProcess.Run("simulate", "--workload", $"csv:{link}");

        AssertOneCleanLine(outcome, $"{link}: is a character device, not a regular file (a link to /dev/zero)");
    }

    [Fact]
    public void Workload_SyntheticCountBeyondTheLimit_OneLineAndExitTwo() =>
        AssertOneCleanLine(
            RoostProcess.Run("simulate", "--workload", "synthetic:1:2000000000"),
            "--workload: 'synthetic:1:2000000000': VMS must be a whole number from 1 to 100000");

    /// <summary>Escape sequences in a file name and in an argument reach stderr escaped: no cursor moves, no retitling.</summary>
    [Fact]
    public void ControlCharactersInNamesAndArguments_AreEscaped()
    {
        var day = Directory.CreateDirectory(Path.Combine(_folder, "day\u001b]0;pwned\u0007")).FullName;
        File.WriteAllText(Path.Combine(day, "node\u001b[2J"), "abc\n");

        AssertOneCleanLine(
            RoostProcess.Run("simulate", "--workload", $"planetlab:{day}"),
            $"{_folder}/day\\x1B]0;pwned\\x07/node\\x1B[2J: line 1: 'abc' is not a CPU percentage");
        AssertOneCleanLine(
            RoostProcess.Run("simulate\u001b[2J"),
            "roost: unknown command 'simulate\\x1B[2J' (see 'roost --help')");
        AssertOneCleanLine(
            RoostProcess.Run("simulate", "--polic\u009by"),
            "roost simulate: unknown option '--polic\\x9By' (see 'roost simulate --help')");
    }

    [Fact]
    public void Scenario_Fifo_OneLineAndExitTwo()
    {
        var fifo = Path.Combine(_folder, "s.json");
        SpecialFile.MakeFifo(fifo);

        AssertOneCleanLine(RoostProcess.Run("scenario", fifo), $"{fifo}: is a named pipe (FIFO), not a regular file");
    }

    [Fact]
    public void Scenario_HugeWindow_OneLineAndExitTwo()
    {
        var file = Path.Combine(_folder, "s.json");
        File.WriteAllText(file, """{ "name": "w", "durationSeconds": 60, "windowLength": 2000000000, "hosts": [], "vms": [] }""");

        AssertOneCleanLine(RoostProcess.Run("scenario", file), $"{file}: windowLength: expected a whole number from 1 to 1000, got 2000000000");
    }

    /// <summary>Writing the report into a FIFO would block after the whole simulation ran; it is refused before.</summary>
    [Fact]
    public void Report_FileIsAFifo_RefusedBeforeTheRun()
    {
        var report = Directory.CreateDirectory(Path.Combine(_folder, "out")).FullName;
        SpecialFile.MakeFifo(Path.Combine(report, "report.md"));

        AssertOneCleanLine(
            RoostProcess.Run("simulate", "--workload", "synthetic:1:5", "--hosts", "5", "--policy", "npa", "--report", report),
            $"roost simulate: --report {report}: report.md is a named pipe (FIFO), not a regular file");
    }

    [Fact]
    public void Report_IsARegularFile_Refused()
    {
        var file = Path.Combine(_folder, "out");
        File.WriteAllText(file, "x");

        AssertOneCleanLine(
            RoostProcess.Run("simulate", "--workload", "synthetic:1:5", "--hosts", "5", "--policy", "npa", "--report", file),
            $"roost simulate: --report {file}: is a regular file, not a folder");
    }

    [Fact]
    public void Fingerprints_LinkToDevZero_OneLineAndExitTwo()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_folder, "fp")).FullName;
        File.CreateSymbolicLink(Path.Combine(folder, "minimal-1.rsfp"), "/dev/zero");

        AssertOneCleanLine(
            RoostProcess.Run("simulate", "--policy", "memory-buddies", "--fingerprints", folder),
            $"roost simulate: --fingerprints {folder}/minimal-1.rsfp: is a character device, not a regular file (a link to /dev/zero)");
    }

    /// <summary>200,000 hosts of 16 TiB once overflowed the arrival count (OverflowException) before allocating terabytes.</summary>
    [Fact]
    public void Sharing_SimulatedMemoryBeyondTheLimit_OneLineAndExitTwo() =>
        AssertOneCleanLine(
            RoostProcess.Run("simulate", "--policy", "memory-buddies", "--hosts", "100000", "--host-memory", "16777216", "--vm-memory", "128"),
            "roost simulate: --hosts 100000 × --host-memory 16777216 MiB is more than the 16 TiB of memory the sharing model simulates");

    [Fact]
    public void Fingerprint_TokenFileIsAFifo_OneLineAndExitTwo()
    {
        var fifo = Path.Combine(_folder, "token");
        SpecialFile.MakeFifo(fifo);

        AssertOneCleanLine(
            RoostProcess.Run("fingerprint", "--agent", "http://127.0.0.1:9", "--vm", "vm-1", "--out", Path.Combine(_folder, "x.rsfp"), "--token-file", fifo),
            $"roost fingerprint: --token-file {fifo}: is a named pipe (FIFO), not a regular file");
    }

    [Fact]
    public void Agent_TokenFileIsAFifo_OneLineAndExitTwo()
    {
        var fifo = Path.Combine(_folder, "token");
        SpecialFile.MakeFifo(fifo);

        AssertOneCleanLine(
            RoostProcess.Run("agent", "--name", "fifo", "--listen", "127.0.0.1:9", "--capacity", "cpus=1,memory=512", "--token-file", fifo),
            $"roost agent: --token-file {fifo}: is a named pipe (FIFO), not a regular file");
    }

    [Theory]
    [InlineData("--migration-transport", "udp", "roost agent: --migration-transport 'udp' is not relay or tcp")]
    [InlineData("--compression", "gzip", "roost agent: --compression gzip is not zstd, lz4 or none")]
    [InlineData("--mergeable-memory", "yes", "roost agent: --mergeable-memory 'yes' is not on or off")]
    public void Agent_UnknownMigrationTransportOrCodec_OneLineAndExitTwo(string option, string value, string line) =>
        AssertOneCleanLine(
            RoostProcess.Run("agent", "--name", "relay", "--listen", "127.0.0.1:9", "--capacity", "cpus=1,memory=512", option, value),
            line);

    /// <summary>"NaN" passed a hand-made double.TryParse and ended as an internal error (exit 70).</summary>
    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("2.5")]
    public void Agent_MemoryOvercommitNotANumberFromOneToTwo_OneLineAndExitTwo(string value) =>
        AssertOneCleanLine(
            RoostProcess.Run("agent", "--name", "relay", "--listen", "127.0.0.1:9", "--capacity", "cpus=1,memory=512", "--mergeable-memory", "on", "--memory-overcommit", value),
            $"roost agent: --memory-overcommit '{value}' is not a number from 1 to 2");

    /// <summary>An unknown profile is refused before any image is built, also after a known one.</summary>
    [Fact]
    public void Agent_UnknownProfile_OneLineAndExitTwo_BeforeAnyBuild() =>
        AssertOneCleanLine(
            RoostProcess.Run("agent", "--name", "relay", "--listen", "127.0.0.1:9", "--capacity", "cpus=1,memory=512", "--profile", "minimal,nope"),
            $"roost agent: --profile 'nope' is not a guest profile ({string.Join(", ", Roost.Hypervisor.Images.GuestImageBuilder.Profiles)})");

    [Fact]
    public void Agent_RelayCodecOptionWithPlainTcp_OneLineAndExitTwo() =>
        AssertOneCleanLine(
            RoostProcess.Run("agent", "--name", "relay", "--listen", "127.0.0.1:9", "--capacity", "cpus=1,memory=512", "--migration-transport", "tcp", "--compression", "lz4"),
            "roost agent: --compression applies to the relay, not to --migration-transport tcp");

    [Fact]
    public void Serve_AgentTokenFileIsAFifo_OneLineAndExitTwo()
    {
        var fifo = Path.Combine(_folder, "token");
        SpecialFile.MakeFifo(fifo);

        AssertOneCleanLine(
            RoostProcess.Run("serve", "--data", Path.Combine(_folder, "data"), "--agents", "http://127.0.0.1:9", "--agent-token-file", fifo),
            $"roost serve: --agent-token-file {fifo}: is a named pipe (FIFO), not a regular file");
    }

    [Fact]
    public void Lab_AnOptionTheSubcommandDoesNotTake_OneLineAndExitTwo() =>
        AssertOneCleanLine(
            RoostProcess.Run("lab", "wan", "status", "--rtt", "40ms"),
            "roost lab wan status: option '--rtt' does not apply here (see 'roost lab --help')");

    [Fact]
    public void Fingerprint_BitsPerPageNaN_OneLineAndExitTwo() =>
        AssertOneCleanLine(
            RoostProcess.Run("fingerprint", "--agent", "http://127.0.0.1:9", "--vm", "vm-1", "--out", Path.Combine(_folder, "x.rsfp"), "--kind", "bloom", "--bits-per-page", "NaN"),
            "roost fingerprint: --bits-per-page 'NaN' is not a number from 0.5 to 64");

    [Fact]
    public void FuzzReaders_SmallRun_PrintsTheTableAndExitsZero()
    {
        var outcome = RoostProcess.Run("fuzz", "readers", "--cases", "20", "--reader", "csv,fingerprint");

        Assert.Equal(0, outcome.ExitCode);
        Assert.Contains("| csv | 20 |", outcome.Stdout, StringComparison.Ordinal);
        Assert.Contains("| fingerprint | 20 |", outcome.Stdout, StringComparison.Ordinal);
    }
}
