using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Roost.Cli.Tests.Commands;

/// <summary>
/// ZZ's sleeper as a real paused VM: <c>roost bft cluster --sleepers vm</c>, in network and mount namespaces of its own
/// (<c>unshare -n -m</c>), runs e2 inside a QEMU guest (the bft-executor image: the host's .NET runtime and the BFT
/// replica) under a <c>roost agent</c>, which pauses the VM once the replica reports it is asleep; when e0 starts
/// lying, f+1 wake commands make the agent resume it, the woken replica replies from inside the guest, and every request
/// in flight at the first wrong reply is answered correctly. Nothing is left behind: no QEMU, no guest RAM file.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class BftVmSleeperTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"roost-bft-vm-test-{Environment.ProcessId}-{Random.Shared.Next()}");

    public BftVmSleeperTests()
    {
        Directory.CreateDirectory(_folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [VmSleeperFact]
    public void Cluster_PausesTheSleeperVm_AndResumesItWhenAnExecutorLies()
    {
        // Fixed ports are safe: the cluster has a network namespace of its own.
        var config = Path.Combine(_folder, "zz.conf");
        File.WriteAllText(config, string.Join('\n',
            "f 1",
            "mode zz",
            "service hash-chain objects=64 object-bytes=256",
            "timing view-change=4000 execution-watch=1000 client-retransmit=3000",
            "agreement a0 10.213.0.1:7100",
            "agreement a1 10.213.0.1:7101",
            "agreement a2 10.213.0.1:7102",
            "agreement a3 10.213.0.1:7103",
            "execution e0 10.213.0.1:7104 agent 10.213.0.1:7105",
            "execution e1 10.213.0.1:7106 agent 10.213.0.1:7107",
            "execution e2 10.213.0.2:7108 agent 10.213.0.1:7109",
            "client c0 10.213.0.1:7110",
            "client c1 10.213.0.1:7111"));
        var keys = Path.Combine(_folder, "keys");
        Assert.Equal(0, RoostProcess.Run("bft", "keys", "--config", config, "--out", keys).ExitCode);

        // The image is built (or found in the cache) here, with the host's network: the cluster below runs in a network
        // namespace of its own, where apt-get cannot fetch the image's packages (a fresh machine has none cached).
        var image = RoostProcess.Run(TimeSpan.FromMinutes(10), "image", "build", "--profile", "bft-executor");
        Assert.True(image.ExitCode == 0, $"roost image build --profile bft-executor: exit code {image.ExitCode}:\n{image.Stdout}\n{image.Stderr}");

        var start = new ProcessStartInfo("unshare") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "-n", "-m", "dotnet", Path.Combine(AppContext.BaseDirectory, "roost.dll"), "bft", "cluster", "--config", config, "--keys", keys,
            "--sleepers", "vm", "--warmup", "1", "--duration", "6", "--work", "500", "--wrong-replies", "e0", "--wrong-after", "3" })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start unshare");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            // Ctrl-C first: the cluster then destroys the VM and stops its agent (a kill would leave the guest's RAM file).
            using (var interrupt = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                interrupt.WaitForExit();
            }

            if (!process.WaitForExit(TimeSpan.FromMinutes(1)))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }
        }

        var output = stdout.Result + "\nstderr:\n" + stderr.Result;
        Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}:\n{output}");
        var result = ResultLine().Match(output);
        Assert.True(result.Success, output);
        Assert.Equal("0", result.Groups["errors"].Value);
        Assert.NotEqual("none", result.Groups["recovery"].Value);
        Assert.Contains("e2: replica started in VM bft-e2", output, StringComparison.Ordinal);
        Assert.Contains("e2 frozen at generation 0 (paused VM", output, StringComparison.Ordinal);
        Assert.Matches(@"e2 thawed: \d agreement replicas sent wake", output);
        Assert.Matches(@"e2: state e2 awake [1-9]", output);
        Assert.Matches(@"e2: woken replica's first reply, \d+ ms after the first wrong reply", output);
        Assert.Empty(Directory.GetFiles("/dev/shm", $"roost.bft-{process.Id}.*"));
        Assert.DoesNotContain(Directory.GetDirectories("/proc"), d => CommandLine(d).Contains($"roost-bft-e2", StringComparison.Ordinal) && CommandLine(d).Contains("qemu", StringComparison.Ordinal) && CommandLine(d).Contains($"/roost/bft-{process.Id}/", StringComparison.Ordinal));
    }

    private static string CommandLine(string procDirectory)
    {
        try
        {
            return File.ReadAllText(Path.Combine(procDirectory, "cmdline")).Replace('\0', ' ');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    [GeneratedRegex(@"result mode=zz requests=(?<requests>\d+) .* recovery-ms=(?<recovery>\S+) errors=(?<errors>\d+)")]
    private static partial Regex ResultLine();
}

/// <summary>
/// A fact that boots a real guest in network and mount namespaces of its own: skipped, with the reason, unless root
/// with QEMU, unshare, ip and apt-get (the bft-executor image's Debian packages) on PATH.
/// </summary>
public sealed class VmSleeperFactAttribute : FactAttribute
{
    public VmSleeperFactAttribute()
    {
        var missing = new[] { "qemu-system-x86_64", "unshare", "ip", "apt-get", "dpkg-deb" }
            .Where(p => !(Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, p))))
            .ToList();
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            Skip = "needs root on Linux: the cluster makes a bridge in a network namespace of its own and boots a QEMU guest";
        }
        else if (missing.Count > 0)
        {
            Skip = $"{string.Join(", ", missing)} not on PATH: install the Debian packages qemu-system-x86, util-linux, iproute2 (.ci/run does)";
        }
    }
}
