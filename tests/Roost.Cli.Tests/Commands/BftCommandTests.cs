namespace Roost.Cli.Tests.Commands;

/// <summary><c>roost bft</c>'s bad input: one line on stderr naming what is wrong, exit code 2, before any run starts.</summary>
public sealed class BftCommandTests
{
    [Theory]
    [InlineData("roost bft: --runs 'NaN' is not a whole number from 1 to 100000000", "bft", "sim", "--runs", "NaN")]
    [InlineData("roost bft: --runs '-3' is not a whole number from 1 to 100000000", "bft", "sim", "--runs", "-3")]
    [InlineData("roost bft: unknown option '--bogus' (see 'roost bft --help')", "bft", "sim", "--bogus", "1")]
    [InlineData("roost bft sim: unexpected argument '5' (see 'roost bft --help')", "bft", "sim", "--trace", "5")]
    [InlineData("roost bft sim: --trace needs --seed S (it traces one replayed run)", "bft", "sim", "--trace")]
    [InlineData(
        "roost bft experiment state-transfer: --objects 10000000 x --object-bytes 1048576 is 10485760000000 bytes of state; at most 2147483648 (the simulation holds the state in memory)",
        "bft", "experiment", "state-transfer", "--objects", "10000000", "--object-bytes", "1048576")]
    public void BadInput_OneLineAndExitTwo(string expected, params string[] args)
    {
        var outcome = RoostProcess.Run(args);

        Assert.Equal(2, outcome.ExitCode);
        Assert.Equal(string.Empty, outcome.Stdout);
        Assert.Equal(expected + "\n", outcome.Stderr);
    }
}
