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
/// The cloud site's actions end to end (issue 17, scope 4 and 6): a primary replicates a fresh ext4 disk in pipelined
/// mode and goes away; through the status listener's <c>POST /vms/1/failover</c> the site fences the VM, exports its
/// replica and boots the real SQLite guest with the VM's address on a bridge; a client commits to it there; then
/// <c>POST /vms/1/failback</c> stops it and makes the primary's old disk equal to the one it ran on, moving only the
/// blocks that differ, with the commit made at the cloud site in it.
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
            await using var server = ReplicationServer.Start(new IPEndPoint(IPAddress.Loopback, 0), _key, Path.Combine(_folder, "journal"), [new ProtectedDisk(_vm, DiskBytes)], new ReplicationManagerOptions(), TimeProvider.System, output.WriteLine);

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
            using var http = new HttpClient { BaseAddress = listener.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
            var applied = server.Status.Vms[0].Applied;

            // Failover on command.
            using (var started = await http.PostAsync("vms/1/failover", null))
            {
                Assert.True(started.StatusCode == HttpStatusCode.Accepted, await started.Content.ReadAsStringAsync());
            }

            using (var again = await http.PostAsync("vms/1/failover", null))
            {
                Assert.Equal(HttpStatusCode.Conflict, again.StatusCode); // one failover at a time
            }

            var failedOver = await WaitForStateAsync(http, DrVmStates.FailedOver);
            var failover = Assert.IsType<DrFailoverStatus>(failedOver.Failover);
            output.WriteLine($"failover: from write {failover.BootedFromWrite}, RTO {failover.RtoSeconds:0.00} s, outage {failover.OutageSeconds:0.00} s");
            Assert.Equal(applied, failover.BootedFromWrite);
            Assert.Equal("10.215.0.5/24", failover.Address);
            Assert.Null(failover.Problem);
            Assert.True(failover.RtoSeconds > 0 && failover.ServingAt > failover.RequestedAt, $"RTO {failover.RtoSeconds} s from {failover.RequestedAt:O} to {failover.ServingAt:O}");
            Assert.True(failover.OutageSeconds >= failover.RtoSeconds, $"outage {failover.OutageSeconds} s is shorter than the RTO {failover.RtoSeconds} s");

            // A client commits at the cloud site, to the VM's own address.
            long slot;
            using (var client = new CommitLogClient(await ConnectAsync(new IPEndPoint(IPAddress.Parse("10.215.0.5"), SqliteGuest.Port))))
            {
                slot = await client.CommitAsync(7, 1, CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(1));
            }

            // Failback to the recovered primary's disk (as it was when the primary went away).
            var before = await File.ReadAllBytesAsync(primaryDisk);
            var port = FreePort();
            var receiving = DiskResync.ReceiveAsync(new IPEndPoint(IPAddress.Loopback, port), _key, _vm, primaryDisk, 64 * 1024, CancellationToken.None);
            using (var back = await http.PostAsJsonAsync("vms/1/failback", new { to = $"127.0.0.1:{port}" }))
            {
                Assert.True(back.StatusCode == HttpStatusCode.Accepted, await back.Content.ReadAsStringAsync());
            }

            var received = await receiving.WaitAsync(TimeSpan.FromMinutes(2));
            var failedBack = await WaitForStateAsync(http, DrVmStates.FailedBack);
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
            using var refused = await http.PostAsync("vms/1/failover", null);
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        }
        finally
        {
            await ExternalCommand.RunAsync("ip", ["link", "del", bridge], "/", CancellationToken.None);
        }
    }

    private static async Task<DrVmStatus> WaitForStateAsync(HttpClient http, string state)
    {
        var limit = DateTime.UtcNow + TimeSpan.FromMinutes(4);
        DrVmStatus? last = null;
        while (DateTime.UtcNow < limit)
        {
            var status = await http.GetFromJsonAsync<DrSiteStatus>("status", _json);
            last = status!.Vms.Single();
            if (last.State == state)
            {
                return last;
            }

            Assert.True(last.State != DrVmStates.Failed, $"the action failed: {last.Failover?.Problem ?? last.Failback?.Problem}");
            await Task.Delay(200);
        }

        Assert.Fail($"VM 1 not {state} in 4 min; last {last}");
        return null!;
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
