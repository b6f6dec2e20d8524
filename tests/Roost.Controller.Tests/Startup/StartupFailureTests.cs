using System.Net;
using System.Net.Sockets;
using Xunit.Abstractions;

namespace Roost.Controller.Tests.Startup;

/// <summary>
/// The real <c>roost serve</c> process, started where it cannot work: it prints one line on stderr naming what is
/// wrong and exits with code 2, never a stack trace.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class StartupFailureTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("port in use", "--listen 127.0.0.1:{busy}: Failed to bind to address http://127.0.0.1:{busy}")]
    [InlineData("store unreachable", "store postgres:127.0.0.1:{free}/roost: unreachable:")]
    [InlineData("bad store spec", "--db 'mysql:x' is not sqlite:PATH or postgres:CONNSTRING")]
    [InlineData("bad certificate", "not a PEM certificate and matching key")]
    [InlineData("data directory under a file", "--data {data}/file/data: ")]
    [InlineData("data directory others can enter", "--data {data}/open: mode 0755 lets other users in; run 'chmod 700 {data}/open'")]
    public async Task AStartThatCannotWork_IsOneLineAndExitCode2(string what, string expected)
    {
        using var data = new TempDirectory();
        using var busy = new TcpListener(IPAddress.Loopback, 0);
        busy.Start();
        var busyPort = ((IPEndPoint)busy.LocalEndpoint).Port;
        var freePort = Drivers.AgentFleetTests.FreePort();
        var file = Path.Combine(data.Path, "file");
        await File.WriteAllTextAsync(file, "not a directory, not a certificate");
        var open = Path.Combine(data.Path, "open");
        Directory.CreateDirectory(open);
        File.SetUnixFileMode(open, (UnixFileMode)Convert.ToInt32("755", 8));
        string[] arguments = what switch
        {
            "port in use" => ["--data", Path.Combine(data.Path, "d"), "--listen", $"127.0.0.1:{busyPort}"],
            "store unreachable" => ["--data", Path.Combine(data.Path, "d"), "--db", $"postgres:Host=127.0.0.1;Port={freePort};Username=roost;Database=roost;Timeout=5"],
            "bad store spec" => ["--data", Path.Combine(data.Path, "d"), "--db", "mysql:x"],
            "bad certificate" => ["--data", Path.Combine(data.Path, "d"), "--tls-cert", file, "--tls-key", file],
            "data directory under a file" => ["--data", Path.Combine(file, "data")],
            _ => ["--data", open],
        };
        if (!arguments.Contains("--listen"))
        {
            arguments = [.. arguments, "--listen", $"127.0.0.1:{freePort}"];
        }

        var (exitCode, stdout, stderr) = await ServeProcess.RunToExitAsync(TimeSpan.FromSeconds(60), ["serve", .. arguments, "--hosts", "2", "--vms", "2"]);

        output.WriteLine($"{what}: exit {exitCode}; stderr: {stderr}");
        var line = expected.Replace("{busy}", $"{busyPort}", StringComparison.Ordinal).Replace("{free}", $"{freePort}", StringComparison.Ordinal).Replace("{data}", data.Path, StringComparison.Ordinal);
        Assert.Equal(2, exitCode);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var single = Assert.Single(lines);
        Assert.StartsWith("roost serve: ", single, StringComparison.Ordinal);
        Assert.Contains(line, single, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stdout + stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", stdout + stderr, StringComparison.Ordinal);
    }

    /// <summary>A data directory that exists but cannot be written (a read-only file system): one line, exit 2.</summary>
    [TmpfsFact]
    public async Task AReadOnlyDataDirectory_IsOneLineAndExitCode2()
    {
        using var readOnly = TmpfsMount.Create(sizeKiB: 64, readOnly: true);

        var (exitCode, stdout, stderr) = await ServeProcess.RunToExitAsync(
            TimeSpan.FromSeconds(60), "serve", "--data", readOnly.Path, "--listen", $"127.0.0.1:{Drivers.AgentFleetTests.FreePort()}", "--hosts", "2", "--vms", "2");

        output.WriteLine($"read-only: exit {exitCode}; stderr: {stderr}");
        Assert.Equal(2, exitCode);
        var single = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"roost serve: store sqlite:{readOnly.Path}/roost.db: cannot be opened: ", single, StringComparison.Ordinal);
        Assert.Contains("Read-only file system", single, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stdout + stderr, StringComparison.Ordinal);
    }
}
