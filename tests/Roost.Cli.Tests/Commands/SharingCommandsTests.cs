namespace Roost.Cli.Tests.Commands;

/// <summary><c>roost simulate</c> with Memory Buddies' sharing policies, and <c>roost fingerprint</c>'s bad input.</summary>
public sealed class SharingCommandsTests
{
    private static void AssertOneLineError(RoostProcess.Outcome outcome, int exitCode, string expectedFragment)
    {
        Assert.Equal(exitCode, outcome.ExitCode);
        var lines = outcome.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains(expectedFragment, lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", outcome.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void SimulateSharingPolicies_PrintsOneRowPerPolicy_WithTheGainOverFirstFit()
    {
        var outcome = RoostProcess.Run("simulate", "--policy", "mem-first-fit,memory-buddies", "--hosts", "4", "--host-memory", "2048", "--vm-memory", "128,256");

        Assert.True(outcome.ExitCode == 0, outcome.Stderr);
        var rows = outcome.Stdout.Split('\n').Where(l => l.StartsWith("mem-first-fit ", StringComparison.Ordinal) || l.StartsWith("memory-buddies ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, rows.Count);
        Assert.Contains("+", rows[1], StringComparison.Ordinal);
        Assert.Contains("4 hosts of 2048 MiB", outcome.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void SimulateMixingSharingAndTracePolicies_OneLineAndExitTwo() =>
        AssertOneLineError(RoostProcess.Run("simulate", "--policy", "npa,memory-buddies"), 2, "mixes sharing policies");

    [Theory]
    [InlineData("--json")]
    [InlineData("--report", "/tmp/roost-never-written")]
    [InlineData("--workload", "synthetic")]
    [InlineData("--memory", "reserved")]
    public void SimulateSharingPolicies_TraceOptionsAreRefused_NotIgnored(params string[] option) =>
        AssertOneLineError(RoostProcess.Run(["simulate", "--policy", "memory-buddies", .. option]), 2, $"{option[0]} applies to trace workloads, not to sharing policies");

    [Theory]
    [InlineData("--host-memory", "2048")]
    [InlineData("--vm-memory", "128,256")]
    [InlineData("--fingerprints", "/nonexistent/roost")]
    public void SimulateTracePolicies_SharingOptionsAreRefused_NotIgnored(string option, string value) =>
        AssertOneLineError(RoostProcess.Run("simulate", "--policy", "npa", option, value), 2, $"{option} applies to sharing policies");

    [Fact]
    public void SimulateVmLargerThanHost_OneLineAndExitTwo() =>
        AssertOneLineError(RoostProcess.Run("simulate", "--policy", "memory-buddies", "--host-memory", "1024", "--vm-memory", "2048"), 2, "VM sizes 2048 MiB must lie");

    [Fact]
    public void SimulateMissingFingerprintFolder_OneLineAndExitTwo() =>
        AssertOneLineError(RoostProcess.Run("simulate", "--policy", "memory-buddies", "--fingerprints", "/nonexistent/roost"), 2, "/nonexistent/roost: no such directory");

    [Fact]
    public void FingerprintWithoutVm_OneLineAndExitTwo() =>
        AssertOneLineError(RoostProcess.Run("fingerprint", "--agent", "http://127.0.0.1:9/", "--out", "x.rsfp"), 2, "--vm is required");

    [Fact]
    public void FingerprintUnreachableAgent_OneLineAndExitOne()
    {
        var token = Path.GetTempFileName();
        File.WriteAllText(token, "t");
        try
        {
            AssertOneLineError(RoostProcess.Run("fingerprint", "--agent", "http://127.0.0.1:9/", "--vm", "vm-1", "--out", "x.rsfp", "--token-file", token), 1, "agent http://127.0.0.1:9/ is unreachable");
        }
        finally
        {
            File.Delete(token);
        }
    }
}
