using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using Roost.Core.Model;
using Roost.Core.Recovery;
using Roost.Hypervisor.Images;
using Roost.Hypervisor.Qemu;
using Roost.Hypervisor.Recovery;
using Roost.Hypervisor.Tests.Network;
using Xunit.Abstractions;

namespace Roost.Hypervisor.Tests.Recovery;

/// <summary>
/// Failover and failback end to end through the controller (issue 17, scopes 4 and 6): a primary replicates a fresh
/// ext4 disk in pipelined mode and goes away; a real controller (<c>roost serve --dr-site</c>, its own process) shows
/// the VM with its mode and RPO; the operator's <c>POST /api/dr/sites/cloud/vms/1/failover</c> reaches the site, which
/// fences the VM, exports its replica and boots the real SQLite guest with the VM's address on a bridge; the
/// controller and <c>roost dr sites</c> show it failed over with its RTO; a client commits to it there; then a
/// failback through the controller stops it and makes the primary's old disk equal to the one it ran on, moving only
/// the blocks that differ, with the commit made at the cloud site in it.
/// </summary>
[Collection(QemuNetworkTests.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DrSiteTests(ITestOutputHelper output) : IDisposable
{
    private const long DiskBytes = 64L * 1024 * 1024;
    private const string Token = "dr-site-test-token-0123456789abcdef";
    private static readonly byte[] _key = [.. Enumerable.Range(0, 32).Select(i => (byte)(((i * 11) + 3) % 251))];
    private static readonly VmId _vm = new(1);
    private static readonly JsonSerializerOptions _json = new(JsonSerializerDefaults.Web);
    private readonly string _folder = Directory.CreateTempSubdirectory("roost-drsite-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [NetworkLabFact(needsQemu: true)]
    public async Task Failover_BootsTheReplicaWithItsAddress_AndFailback_MovesOnlyChangedBlocks()
    {
        var bridge = $"rds{Environment.ProcessId:x}";
        var primaryDisk = Path.Combine(_folder, "primary.img");
        await QemuFixture.ImageAsync(GuestProfile.DrDatabase); // built (or found) before any clock below runs
        await RunAsync("ip", "link", "add", bridge, "type", "bridge");
        try
        {
            await RunAsync("ip", "addr", "add", "10.215.0.1/24", "dev", bridge);
            await RunAsync("ip", "link", "set", bridge, "up");
            await using var server = ReplicationServer.Start(new IPEndPoint(IPAddress.Loopback, 0), _key, Path.Combine(_folder, "journal"), [new ProtectedDisk(_vm, DiskBytes)], new ReplicationManagerOptions { LossAfter = TimeSpan.FromSeconds(3) }, TimeProvider.System, output.WriteLine);

            // The primary: a fresh ext4 disk shipped whole, replicated until the cloud site has caught up; then gone.
            Assert.Null(await SqliteGuest.FormatDiskAsync(primaryDisk, DiskBytes, CancellationToken.None));
            await using (var replication = new ReplicationClient(server.LocalEndPoint, _key, new ReplicatorOptions { Mode = ReplicationMode.Pipelined }, [_vm], TimeProvider.System, output.WriteLine))
            {
                var run = Path.Combine(_folder, "primary");
                PrivateFiles.CreateDirectory(run);
                await using var disk = ProtectedDiskServer.Start(Path.Combine(run, "disk.nbd"), primaryDisk, DiskBytes, _vm, replication, output.WriteLine);
                output.WriteLine($"initial copy: {await disk.ShipInitialCopyAsync()} bytes");
                await WaitAsync(() => server.Status.Vms[0] is { Lag: 0, CaughtUpAt: not null, Mode: "pipelined" }, "the cloud site caught up with the primary", server);
            }

            var siteOptions = new DrSiteOptions(Path.Combine(_folder, "site"), bridge, new Dictionary<int, GuestNic> { [1] = new GuestNic("dr", "10.215.0.5/24") }, _key) { MemoryMiB = 128 };
            await using var site = await DrSite.StartAsync(server, siteOptions, TimeProvider.System, output.WriteLine, CancellationToken.None);
            await using var listener = await DrStatusServer.StartAsync("127.0.0.1:0", Token, () => site.Status, CancellationToken.None, site);
            var applied = server.Status.Vms[0].Applied;
            var tokenFile = Path.Combine(_folder, "site.token");
            await PrivateFiles.WriteAllBytesAsync(tokenFile, System.Text.Encoding.ASCII.GetBytes(Token + "\n"), CancellationToken.None);
            var data = Path.Combine(_folder, "controller");
            var port = FreePort();
            using var controller = StartRoost("controller", "serve", "--data", data, "--listen", $"127.0.0.1:{port}", "--hosts", "1", "--vms", "1", "--dr-site", $"cloud={listener.BaseAddress.Authority}", "--dr-token-file", $"cloud={tokenFile}");
            try
            {
                using var http = await ControllerAsync(port, data, controller);
                var watched = await WaitForAsync(http, v => v is { Mode: "pipelined", RpoSeconds: not null, State: DrVmStates.Lost }, "the controller shows the protected VM, its primary lost");
                Assert.Equal(applied, watched.Applied);

                // Failover on the operator's command, through the controller.
                using (var started = await http.PostAsync("api/dr/sites/cloud/vms/1/failover", null))
                {
                    Assert.True(started.StatusCode == HttpStatusCode.Accepted, await started.Content.ReadAsStringAsync());
                }

                using (var again = await http.PostAsync("api/dr/sites/cloud/vms/1/failover", null))
                {
                    Assert.True(again.StatusCode == HttpStatusCode.Conflict, await again.Content.ReadAsStringAsync()); // one failover at a time
                }

                var failedOver = await WaitForAsync(http, v => v.State == DrVmStates.FailedOver, "VM 1 failed over");
                var failover = Assert.IsType<DrFailoverStatus>(failedOver.Failover);
                output.WriteLine($"failover: from write {failover.BootedFromWrite}, RTO {failover.RtoSeconds:0.00} s, outage {failover.OutageSeconds:0.00} s");
                Assert.Equal(applied, failover.BootedFromWrite);
                Assert.Equal("10.215.0.5/24", failover.Address);
                Assert.Null(failover.Problem);
                Assert.True(failover.RtoSeconds > 0 && failover.ServingAt > failover.RequestedAt, $"RTO {failover.RtoSeconds} s from {failover.RequestedAt:O} to {failover.ServingAt:O}");
                Assert.True(failover.OutageSeconds >= failover.RtoSeconds, $"outage {failover.OutageSeconds} s is shorter than the RTO {failover.RtoSeconds} s");
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_folder, "site", "vm-1", "replica.img")));
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(_folder, "site", "vm-1")));

                // A client commits at the cloud site, to the VM's own address.
                long slot;
                using (var client = new CommitLogClient(await ConnectAsync(new IPEndPoint(IPAddress.Parse("10.215.0.5"), SqliteGuest.Port))))
                {
                    slot = await client.CommitAsync(7, 1, CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(1));
                }

                // Failback to the recovered primary's disk (as it was when the primary went away).
                var before = await File.ReadAllBytesAsync(primaryDisk);
                var resyncPort = FreePort();
                var receiving = DiskResync.ReceiveAsync(new IPEndPoint(IPAddress.Loopback, resyncPort), _key, _vm, primaryDisk, 64 * 1024, CancellationToken.None);
                var sites = await RunRoostAsync("dr", "sites", "--controller", $"http://127.0.0.1:{port}", "--token-file", Path.Combine(data, "token"));
                output.WriteLine(sites);
                Assert.Contains("failed-over", sites, StringComparison.Ordinal);
                Assert.Contains("pipelined", sites, StringComparison.Ordinal);
                using (var back = await http.PostAsJsonAsync("api/dr/sites/cloud/vms/1/failback", new { to = $"127.0.0.1:{resyncPort}" }))
                {
                    Assert.True(back.StatusCode == HttpStatusCode.Accepted, await back.Content.ReadAsStringAsync());
                }

                var received = await receiving.WaitAsync(TimeSpan.FromMinutes(2));
                var failedBack = await WaitForAsync(http, v => v.State == DrVmStates.FailedBack, "VM 1 failed back");
                var failback = Assert.IsType<DrFailbackStatus>(failedBack.Failback);
                output.WriteLine($"failback: moved {failback.MovedBytes} of {failback.FullBytes} bytes; {received.BlocksMoved} of {received.Blocks} blocks");
                Assert.Null(failback.Problem);
                Assert.Equal(DiskBytes, failback.FullBytes);
                Assert.True(received.BlocksMoved > 0 && received.BlocksMoved < received.Blocks / 4, $"{received.BlocksMoved} of {received.Blocks} blocks moved");
                Assert.True(failback.MovedBytes < DiskBytes / 4, $"{failback.MovedBytes} bytes moved of {DiskBytes}");
                Assert.Equal(SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(_folder, "site", "vm-1", "replica.img"))), SHA256.HashData(await File.ReadAllBytesAsync(primaryDisk)));
                Assert.NotEqual(SHA256.HashData(before), SHA256.HashData(await File.ReadAllBytesAsync(primaryDisk)));
                Assert.Empty((await SqliteGuest.CheckAsync(primaryDisk, [new SqliteGuest.Acknowledged(7, 1, slot)], CancellationToken.None)).Missing);

                // Failed back: the site refuses a second failover of the fenced VM until it is protected again.
                using var refused = await http.PostAsync("api/dr/sites/cloud/vms/1/failover", null);
                Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            }
            finally
            {
                controller.Kill(entireProcessTree: true);
                await controller.WaitForExitAsync();
            }
        }
        finally
        {
            await ExternalCommand.RunAsync("ip", ["link", "del", bridge], "/", CancellationToken.None);
        }
    }

    /// <summary>Polls the controller's <c>GET /api/dr</c> until site "cloud"'s VM 1 satisfies <paramref name="condition"/>.</summary>
    private static async Task<DrVmStatus> WaitForAsync(HttpClient http, Func<DrVmStatus, bool> condition, string what)
    {
        var limit = DateTime.UtcNow + TimeSpan.FromMinutes(4);
        string? last = null;
        while (DateTime.UtcNow < limit)
        {
            var sites = await http.GetFromJsonAsync<JsonElement>("api/dr", _json);
            last = sites.GetRawText();
            if (sites.EnumerateArray().Single().GetProperty("status") is { ValueKind: JsonValueKind.Object } status)
            {
                var vm = status.GetProperty("vms").EnumerateArray().Single().Deserialize<DrVmStatus>(_json)!;
                if (condition(vm))
                {
                    return vm;
                }

                Assert.True(vm.State != DrVmStates.Failed, $"the action failed: {vm.Failover?.Problem ?? vm.Failback?.Problem}");
            }

            await Task.Delay(250);
        }

        Assert.Fail($"not {what} in 4 min; the controller's last view: {last}");
        return null!;
    }

    private System.Diagnostics.Process StartRoost(string name, params string[] arguments)
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        start.ArgumentList.Add(Lab.WanLabFixture.FindCli());
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = System.Diagnostics.Process.Start(start) ?? throw new InvalidOperationException($"cannot start {name}");
        process.StandardInput.Close();
        System.Diagnostics.DataReceivedEventHandler print = (_, e) =>
        {
            if (e.Data is { } line && !line.Contains("info:", StringComparison.Ordinal))
            {
                output.WriteLine($"{name}: {line}");
            }
        };
        process.OutputDataReceived += print;
        process.ErrorDataReceived += print;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task<string> RunRoostAsync(params string[] arguments)
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Lab.WanLabFixture.FindCli());
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        Assert.True(process.ExitCode == 0, $"roost {string.Join(' ', arguments)}: exit {process.ExitCode}: {await stderr}");
        return await stdout;
    }

    /// <summary>A client of the controller on <paramref name="port"/> with its token, once it answers.</summary>
    private static async Task<HttpClient> ControllerAsync(int port, string data, System.Diagnostics.Process controller)
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(30) };
        var limit = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (true)
        {
            Assert.False(controller.HasExited, "the controller exited");
            try
            {
                using var health = await client.GetAsync("healthz");
                if (health.IsSuccessStatusCode && File.Exists(Path.Combine(data, "token")))
                {
                    break;
                }
            }
            catch (HttpRequestException)
            {
            }

            Assert.True(DateTime.UtcNow < limit, "the controller did not answer within 1 min");
            await Task.Delay(200);
        }

        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (await File.ReadAllTextAsync(Path.Combine(data, "token"))).Trim());
        return client;
    }

    private static async Task WaitAsync(Func<bool> condition, string what, ReplicationServer server)
    {
        var limit = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < limit, $"not {what} within 1 min: {server.Status.Vms[0]}");
            await Task.Delay(100);
        }
    }

    private static async Task<Socket> ConnectAsync(IPEndPoint service)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(service).WaitAsync(TimeSpan.FromSeconds(30));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    private static async Task RunAsync(string file, params string[] arguments)
    {
        var result = await ExternalCommand.RunAsync(file, arguments, "/", CancellationToken.None);
        Assert.True(result.ExitCode == 0, $"{file} {string.Join(' ', arguments)}: {result.FirstErrorLine}");
    }
}
