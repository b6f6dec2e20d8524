using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Roost.Cli.Tests.Commands;

/// <summary>
/// The deployment on real processes: <c>roost bft cluster</c> starts 4 agreement and 3 execution replicas as processes
/// talking authenticated TCP on loopback, freezes the ZZ sleeper, loads the service, and makes e0 lie; the claim is
/// that requests commit, a bad frame is refused in one line, the frozen sleeper is thawed by the wake-up path, every
/// request in flight at the first wrong reply is answered correctly, and nothing the cluster started is left behind.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class BftClusterTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"roost-bft-cluster-test-{Environment.ProcessId}-{Random.Shared.Next()}");

    public BftClusterTests()
    {
        Directory.CreateDirectory(_folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private int? _clusterPid;

    /// <summary>
    /// Cleans up what a failed or timed-out run left behind (a passing run leaves nothing, which the test asserts):
    /// thaws the cluster's freezer groups (a frozen process cannot die), kills the replicas, removes the groups.
    /// </summary>
    public void Dispose()
    {
        var groups = _clusterPid is { } cluster ? FreezerGroups(cluster) : [];
        foreach (var group in groups)
        {
            Try(() => File.WriteAllText(Path.Combine(group, "freezer.state"), "THAWED"));
        }

        foreach (var pid in ProcessesNaming(_folder))
        {
            Try(() =>
            {
                using var leftover = Process.GetProcessById(pid);
                leftover.Kill();
                leftover.WaitForExit(TimeSpan.FromSeconds(10));
            });
        }

        foreach (var group in groups)
        {
            Try(() => Directory.Delete(group));
        }

        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void Cluster_CommitsRequests_RefusesBadFrame_AndThawsTheSleeperWhenAnExecutorLies()
    {
        var ports = FreePorts(4 + 6 + 2);
        var config = Path.Combine(_folder, "zz.conf");
        File.WriteAllText(config, string.Join('\n',
            "f 1",
            "mode zz",
            "service hash-chain objects=64 object-bytes=256",
            "timing view-change=4000 execution-watch=1000 client-retransmit=3000",
            $"agreement a0 127.0.0.1:{ports[0]}",
            $"agreement a1 127.0.0.1:{ports[1]}",
            $"agreement a2 127.0.0.1:{ports[2]}",
            $"agreement a3 127.0.0.1:{ports[3]}",
            $"execution e0 127.0.0.1:{ports[4]} agent 127.0.0.1:{ports[5]}",
            $"execution e1 127.0.0.1:{ports[6]} agent 127.0.0.1:{ports[7]}",
            $"execution e2 127.0.0.1:{ports[8]} agent 127.0.0.1:{ports[9]}",
            $"client c0 127.0.0.1:{ports[10]}",
            $"client c1 127.0.0.1:{ports[11]}"));
        var keys = Path.Combine(_folder, "keys");
        Assert.Equal(0, RoostProcess.Run("bft", "keys", "--config", config, "--out", keys).ExitCode);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(keys, "a0.keys")));

        var (exitCode, output, clusterPid) = RunCluster(config, keys, ports[0]);

        Assert.True(exitCode == 0, $"exit code {exitCode}:\n{output}");
        var result = ResultLine().Match(output);
        Assert.True(result.Success, output);
        Assert.True(long.Parse(result.Groups["requests"].Value, System.Globalization.CultureInfo.InvariantCulture) > 0, output);
        Assert.Equal("0", result.Groups["errors"].Value);
        Assert.NotEqual("none", result.Groups["recovery"].Value);
        Assert.Matches(@"a0 stderr: a0: corrupt frame from 127\.0\.0\.1:\d+: .*; connection dropped", output);
        Assert.Contains("e2 frozen at generation 0", output, StringComparison.Ordinal);
        Assert.Contains("e0: first wrong reply sent", output, StringComparison.Ordinal);
        Assert.Contains("replies differ", output, StringComparison.Ordinal);
        Assert.Matches(@"e2 thawed: \d agreement replicas sent wake", output);
        Assert.Matches(@"e2: woken replica's first reply, \d+ ms after the first wrong reply", output);
        Assert.Empty(FreezerGroups(clusterPid));
        Assert.Empty(ProcessesNaming(config));
    }

    [Fact]
    public void EmptyImage_ForAnAgreementReplica_OneLineAndExitTwo()
    {
        var ports = FreePorts(4 + 3 + 1);
        var config = Path.Combine(_folder, "small.conf");
        File.WriteAllText(config, string.Join('\n',
            new[] { "f 1" }
            .Concat(Enumerable.Range(0, 4).Select(i => $"agreement a{i} 127.0.0.1:{ports[i]}"))
            .Concat(Enumerable.Range(0, 3).Select(i => $"execution e{i} 127.0.0.1:{ports[4 + i]}"))
            .Append($"client c0 127.0.0.1:{ports[7]}")));
        var keys = Path.Combine(_folder, "small-keys");
        Assert.Equal(0, RoostProcess.Run("bft", "keys", "--config", config, "--out", keys).ExitCode);

        var outcome = RoostProcess.Run("bft", "node", "--config", config, "--keys", Path.Combine(keys, "a0.keys"), "--node", "a0", "--empty-image");

        Assert.Equal(2, outcome.ExitCode);
        Assert.Equal("roost bft node: --empty-image applies to an execution replica\n", outcome.Stderr);
    }

    [Theory]
    [InlineData("f 1\nagreement a0 127.0.0.1:7000\n", "{0}: a1 is missing (4 agreement nodes are needed, numbered from 0)")]
    [InlineData("f 4\n", "{0}: line 1: f '4' is not 1, 2 or 3")]
    [InlineData("f 1\nagreement a0 127.0.0.1:7000\nagreement a1 127.0.0.1:7000\n", "{0}: line 3: 127.0.0.1:7000 of a1 is already the address of a0")]
    [InlineData("f 1\nagreement a0 localhost:7000\n", "{0}: line 2: 'localhost:7000' is not an IPv4 address and port (127.0.0.1:7000)")]
    [InlineData("f 1\ntiming view-change=0\n", "{0}: line 2: 'view-change=0' is not NAME=MILLISECONDS (1 to 600000)")]
    public void BadConfig_OneLineAndExitTwo(string text, string expected)
    {
        var config = Path.Combine(_folder, "bad.conf");
        File.WriteAllText(config, text);

        var outcome = RoostProcess.Run("bft", "keys", "--config", config, "--out", Path.Combine(_folder, "keys"));

        Assert.Equal(2, outcome.ExitCode);
        Assert.Equal(string.Format(System.Globalization.CultureInfo.InvariantCulture, expected, config) + "\n", outcome.Stderr);
        Assert.False(Directory.Exists(Path.Combine(_folder, "keys")));
    }

    [GeneratedRegex(@"result mode=zz requests=(?<requests>\d+) .* recovery-ms=(?<recovery>\S+) errors=(?<errors>\d+)")]
    private static partial Regex ResultLine();

    private (int ExitCode, string Output, int Pid) RunCluster(string config, string keys, int a0Port)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "roost.dll"), "bft", "cluster", "--config", config, "--keys", keys,
            "--warmup", "0.5", "--duration", "6", "--work", "500", "--wrong-replies", "e0", "--wrong-after", "1.5" })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        _clusterPid = process.Id;
        var lines = new List<string>();
        var ready = new ManualResetEventSlim();
        process.OutputDataReceived += (_, e) =>
        {
            lock (lines)
            {
                lines.Add(e.Data ?? "");
            }

            if (e.Data?.StartsWith("ready ", StringComparison.Ordinal) == true)
            {
                ready.Set();
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (lines)
            {
                lines.Add("stderr: " + e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (ready.Wait(TimeSpan.FromMinutes(2)))
        {
            // A peer that does not hold the pair's key: 64 bytes of a frame with a valid length and garbage inside.
            using var stranger = new TcpClient();
            stranger.Connect(IPAddress.Loopback, a0Port);
            var garbage = new byte[64];
            BitConverter.TryWriteBytes(garbage, 60);
            garbage[4] = 2;
            stranger.GetStream().Write(garbage);
        }

        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }

        process.WaitForExit();
        lock (lines)
        {
            return (process.ExitCode, string.Join('\n', lines), process.Id);
        }
    }

    private static string[] FreezerGroups(int clusterPid) =>
        Directory.Exists("/sys/fs/cgroup/freezer") ? Directory.GetDirectories("/sys/fs/cgroup/freezer", $"roost-bft-{clusterPid}-*") : [];

    private static void Try(Action cleanup)
    {
        try
        {
            cleanup();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
        }
    }

    /// <summary>Processes whose command line names <paramref name="text"/> (the replicas were all given the config's path).</summary>
    private static List<int> ProcessesNaming(string text)
    {
        var found = new List<int>();
        foreach (var folder in Directory.GetDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(folder), out var pid))
            {
                try
                {
                    if (File.ReadAllText(Path.Combine(folder, "cmdline")).Contains(text, StringComparison.Ordinal))
                    {
                        found.Add(pid);
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                }
            }
        }

        return found;
    }

    /// <summary>Loopback ports free at the moment of asking (the BFT tests' deployments).</summary>
    internal static List<int> FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(l => l.Start());
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToList();
        listeners.ForEach(l => l.Stop());
        return ports;
    }
}
