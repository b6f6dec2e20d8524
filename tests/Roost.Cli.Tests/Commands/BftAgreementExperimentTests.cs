using System.Globalization;
using System.Text.RegularExpressions;
using Roost.Bft.Net;

namespace Roost.Cli.Tests.Commands;

/// <summary>
/// <c>roost bft experiment agreement</c> (docs/experiments/zz.md, "Agreement throughput against BFT-SMaRt"): a real
/// deployment of the null service orders empty requests and answers each with an empty result that f+1 executors
/// agree on; the experiment reports a positive rate and fails when a reply is not empty. The figures themselves are
/// the documented command's, never asserted here.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class BftAgreementExperimentTests
{
    [Fact]
    public void Agreement_NullService_AnswersEmptyRequestsWithEmptyReplies()
    {
        var outcome = RoostProcess.Run("bft", "experiment", "agreement", "--clients", "4", "--runs", "1", "--warmup", "0", "--duration", "6");

        Assert.True(outcome.ExitCode == 0, $"exit code {outcome.ExitCode}:\n{outcome.Stdout}\n{outcome.Stderr}");
        var run = RunLine().Match(outcome.Stdout);
        Assert.True(run.Success, outcome.Stdout);
        Assert.True(long.Parse(run.Groups["requests"].Value, CultureInfo.InvariantCulture) > 0, outcome.Stdout);
        Assert.Contains("median of 1: ", outcome.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Agreement_ZeroClients_OneLineAndExitTwo()
    {
        var outcome = RoostProcess.Run("bft", "experiment", "agreement", "--clients", "0");

        Assert.Equal(2, outcome.ExitCode);
        Assert.Equal("roost bft: --clients '0' is not a whole number from 1 to 256\n", outcome.Stderr);
    }

    [Fact]
    public void ServiceNull_Parses_AndItsLoadIsEmpty()
    {
        var config = DeploymentConfig.Parse("f 1\nservice null\n" + string.Join('\n',
            Enumerable.Range(0, 4).Select(i => $"agreement a{i} 127.0.0.1:{7000 + i}")
            .Concat(Enumerable.Range(0, 3).Select(i => $"execution e{i} 127.0.0.1:{7100 + i}"))
            .Append("client c0 127.0.0.1:7200")), "null.conf");

        Assert.True(config.Service.IsNull);
        var service = config.Service.Create();
        Assert.Equal(0, service.ObjectCount);
        Assert.Empty(service.Execute([], new NoObjects()));
        Assert.Empty(service.Execute([1, 2, 3], new NoObjects()));
    }

    [Fact]
    public void ServiceNull_WithArguments_OneLine()
    {
        var failure = Assert.Throws<ConfigException>(() => DeploymentConfig.Parse("f 1\nservice null objects=4\n", "bad.conf"));

        Assert.Equal("bad.conf: line 2: expected 'service hash-chain [objects=N] [object-bytes=B]' or 'service null'", failure.Message);
    }

    [GeneratedRegex(@"run 1: [\d.]+ requests/s \((?<requests>\d+) in [\d.]+ s\), median latency [\d.]+ ms, p90 [\d.]+ ms, errors 0,")]
    private static partial Regex RunLine();

    private sealed class NoObjects : Roost.Bft.Services.IStateObjects
    {
        public ReadOnlySpan<byte> Read(int index) => throw new InvalidOperationException($"the null service read object {index}");

        public void Write(int index, byte[] content) => throw new InvalidOperationException($"the null service wrote object {index}");
    }
}
