using System.Net;
using System.Net.Sockets;
using Roost.Core.Model;
using Roost.Core.Recovery;
using Roost.Hypervisor.Images;
using Roost.Hypervisor.Lab;
using Roost.Hypervisor.Qemu;
using Roost.Hypervisor.Recovery;
using Roost.Hypervisor.Tests.Network;
using Xunit.Abstractions;

namespace Roost.Hypervisor.Tests.Recovery;

/// <summary>
/// A protected guest with Roost in both of its paths (issue 17): its disk is <see cref="ProtectedDiskServer"/> over
/// NBD, replicated to a <see cref="ReplicationServer"/> across a link with 20 ms each way, and its NIC goes through the
/// <see cref="EgressForwarder"/>. Clients commit to the guest's SQLite service (a transaction per commit, on ext4); then the primary is lost at
/// once (link cut, QEMU killed); every commit a client saw acknowledged must be in the replica the cloud site exports
/// (pipelined synchrony's promise), and the guest's own disk must hold the same records (its data is intact).
/// </summary>
[Collection(QemuNetworkTests.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ProtectedGuestTests(QemuFixture fixture, ITestOutputHelper output) : IDisposable
{
    private const long DiskBytes = 64L * 1024 * 1024;
    private const int Clients = 4;
    private const int CommitsBeforeLoss = 5;
    private static readonly byte[] _key = [.. Enumerable.Range(0, 32).Select(i => (byte)((i * 7) + 1))];
    private static readonly VmId _vm = new(1);
    private readonly string _folder = Directory.CreateTempSubdirectory("roost-drg-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [QemuFact]
    public async Task DiskServer_UnderQemusNbdClient_WritesReachTheLocalImageAndTheReplica()
    {
        if (QemuEnvironment.Find("qemu-io") is null)
        {
            Assert.Fail("qemu-io is not on PATH: install the Debian package qemu-utils (.ci/run does)");
        }

        var disks = new[] { new ProtectedDisk(_vm, DiskBytes) };
        await using (var server = ReplicationServer.Start(new IPEndPoint(IPAddress.Loopback, 0), _key, Path.Combine(_folder, "site"), disks, new ReplicationManagerOptions(), TimeProvider.System, _ => { }))
        await using (var replication = new ReplicationClient(server.LocalEndPoint, _key, new ReplicatorOptions { Mode = ReplicationMode.Sync }, [_vm], TimeProvider.System, _ => { }))
        await using (var disk = ProtectedDiskServer.Start(Path.Combine(_folder, "disk.nbd"), Path.Combine(_folder, "local.img"), DiskBytes, _vm, replication, output.WriteLine))
        {
            var stdout = new System.Text.StringBuilder();
            var run = await ExternalCommand.RunAsync(
                "qemu-io",
                ["--image-opts", $"driver=raw,file.driver=nbd,file.server.type=unix,file.server.path={Path.Combine(_folder, "disk.nbd")}",
                    "-c", "write -P 171 4096 65536", "-c", "write -P 7 3145728 2097152", "-c", "flush", "-c", "read -P 171 4096 65536", "-c", "read -P 0 69632 4096"],
                _folder,
                ReadOnlyMemory<byte>.Empty,
                async (s, ct) => stdout.Append(await new StreamReader(s).ReadToEndAsync(ct)),
                CancellationToken.None);

            Assert.True(run.ExitCode == 0 && !stdout.ToString().Contains("Pattern verification failed", StringComparison.Ordinal), $"qemu-io: {run.StandardError} {stdout}");
            Assert.Equal(2, disk.Writes);

            // Sync: the guest's flush was answered, so both writes are durable at the cloud site.
            Assert.Equal(3, server.Applied[_vm]);
        }

        using var store = new ReplicaStore(Path.Combine(_folder, "site"), disks);
        store.Recover();
        store.Export(_vm, 3, Path.Combine(_folder, "replica.img"));
        var local = await File.ReadAllBytesAsync(Path.Combine(_folder, "local.img"));
        Assert.Equal(local, await File.ReadAllBytesAsync(Path.Combine(_folder, "replica.img")));
        Assert.All(local.AsSpan(4096, 65536).ToArray(), b => Assert.Equal(171, b));
        Assert.All(local.AsSpan(3145728, 2097152).ToArray(), b => Assert.Equal(7, b));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_folder, "local.img")));
    }

    [NetworkLabFact(needsQemu: true)]
    public async Task PipelinedGuest_PrimaryLostUnderLoad_EveryAcknowledgedCommitIsInTheReplica()
    {
        var ns = $"roost-drt{Environment.ProcessId:x}";
        var disks = new[] { new ProtectedDisk(_vm, DiskBytes) };
        var acked = new List<SqliteGuest.Acknowledged>();
        // Set once every client has seen CommitsBeforeLoss commits acknowledged: the primary is lost under load, never
        // before the load has started (a loaded machine can take seconds for the first commit).
        var underLoad = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var committed = new long[Clients + 1]; // by client, under the lock on acked
        await RunAsync("ip", "netns", "add", ns);
        try
        {
            await RunAsync("ip", "-n", ns, "link", "add", "br0", "type", "bridge");
            await RunAsync("ip", "-n", ns, "addr", "add", "10.213.0.1/24", "dev", "br0");
            await RunAsync("ip", "-n", ns, "link", "set", "br0", "up");
            var run = Path.Combine(_folder, "run");
            PrivateFiles.CreateDirectory(run);
            await using (var server = ReplicationServer.Start(new IPEndPoint(IPAddress.Loopback, 0), _key, Path.Combine(_folder, "site"), disks, new ReplicationManagerOptions(), TimeProvider.System, _ => { }))
            {
                var link = new DelayingTcpProxy(server.LocalEndPoint, TimeSpan.FromMilliseconds(20));
                await using (link)
                {
                    var replication = new ReplicationClient(link.EndPoint, _key, new ReplicatorOptions { Mode = ReplicationMode.Pipelined }, [_vm], TimeProvider.System, output.WriteLine);
                    Assert.Null(await SqliteGuest.FormatDiskAsync(Path.Combine(run, "local.img"), DiskBytes, CancellationToken.None));
                    var disk = ProtectedDiskServer.Start(Path.Combine(run, "disk.nbd"), Path.Combine(run, "local.img"), DiskBytes, _vm, replication, output.WriteLine);
                    output.WriteLine($"initial copy: {await disk.ShipInitialCopyAsync()} bytes");
                    var tap = $"rdt{Environment.ProcessId:x}";
                    var nic = await EgressForwarder.StartAsync(Path.Combine(run, "nic.sock"), Path.Combine(run, "qemu-nic.sock"), tap, null, _vm, replication, CancellationToken.None);
                    await RunAsync("ip", "link", "set", tap, "netns", ns);
                    await RunAsync("ip", "-n", ns, "link", "set", tap, "master", "br0", "up");
                    var image = await SqliteGuest.WithServiceAsync(await QemuFixture.ImageAsync(GuestProfile.DrDatabase), Path.Combine(run, "initrd.cpio"), CancellationToken.None);
                    var launch = new QemuLaunch("qemu-system-x86_64", image, new GuestSpec("drt-vm-1", 1, 128, 0, new GuestNic("dr", "10.213.0.5/24")), fixture.Accelerator, run, $"/dev/shm/roost.drt.{Environment.ProcessId}")
                    {
                        NbdDiskSocket = Path.Combine(run, "disk.nbd"),
                        NicDatagramSockets = (Path.Combine(run, "qemu-nic.sock"), Path.Combine(run, "nic.sock")),
                    };
                    var vm = await QemuVm.StartAsync(launch, TimeProvider.System, CancellationToken.None);
                    using var lost = new CancellationTokenSource();
                    var load = Task.CompletedTask;
                    try
                    {
                        var service = new IPEndPoint(IPAddress.Parse("10.213.0.5"), SqliteGuest.Port);
                        await vm.WaitUntilReadyAsync(TimeSpan.FromMinutes(3), CancellationToken.None);
                        await SqliteGuest.WaitForServiceAsync(token => ConnectInAsync(ns, service, token), TimeSpan.FromMinutes(2), TimeProvider.System, CancellationToken.None);

                        // Four clients commit; at least three seconds in, once each has had commits acknowledged, the
                        // site is lost while they run: link first, then QEMU.
                        load = Task.WhenAll(Enumerable.Range(1, Clients).Select(async c =>
                        {
                            try
                            {
                                using var client = new CommitLogClient(await ConnectInAsync(ns, service, lost.Token));
                                for (long seq = 1; ; seq++)
                                {
                                    var slot = await client.CommitAsync(c, seq, lost.Token);
                                    lock (acked)
                                    {
                                        acked.Add(new(c, seq, slot));
                                        committed[c] = seq;
                                        if (seq == CommitsBeforeLoss && committed.Skip(1).All(n => n >= CommitsBeforeLoss))
                                        {
                                            underLoad.TrySetResult();
                                        }
                                    }
                                }
                            }
                            catch (Exception e) when (e is OperationCanceledException or SocketException or IOException)
                            {
                                // A client that stops short before the loss leaves the load never ready: say why now,
                                // not after the two minutes' wait below.
                                lock (acked)
                                {
                                    if (committed[c] < CommitsBeforeLoss)
                                    {
                                        underLoad.TrySetException(new InvalidOperationException(
                                            $"client {c} stopped after {committed[c]} acknowledged commits, before the primary was lost: {e.Message}", e));
                                    }
                                }
                            }
                        }));
                        await Task.Delay(TimeSpan.FromSeconds(3));
                        if (await Task.WhenAny(underLoad.Task, Task.Delay(TimeSpan.FromMinutes(2))) != underLoad.Task)
                        {
                            lock (acked)
                            {
                                Assert.Fail($"{acked.Count} commits acknowledged after 2 min; the primary is lost once each of the {Clients} clients has {CommitsBeforeLoss}");
                            }
                        }

                        await underLoad.Task; // a client that stopped short: its error
                    }
                    finally
                    {
                        link.Cut();
                        await vm.DisposeAsync();
                        await lost.CancelAsync();
                        await load;
                        await nic.DisposeAsync();
                        await disk.DisposeAsync();
                        await replication.DisposeAsync();
                    }

                    output.WriteLine($"{acked.Count} commits acknowledged; the cloud site applied {server.Applied[_vm]} writes; {nic.FramesOut} frames out");
                    Assert.True(acked.Count >= 4, $"only {acked.Count} commits were acknowledged");
                    Assert.Empty((await SqliteGuest.CheckAsync(Path.Combine(run, "local.img"), acked, CancellationToken.None)).Missing);
                }
            }

            using var store = new ReplicaStore(Path.Combine(_folder, "site"), disks);
            var applied = store.Recover().Applied[_vm];
            store.Export(_vm, applied, Path.Combine(_folder, "replica.img"));
            var missing = (await SqliteGuest.CheckAsync(Path.Combine(_folder, "replica.img"), acked, CancellationToken.None)).Missing;
            Assert.True(missing.Count == 0, $"{missing.Count} of {acked.Count} acknowledged commits are not in the replica, first {(missing.Count > 0 ? missing[0] : null)}");
        }
        finally
        {
            await ExternalCommand.RunAsync("ip", ["netns", "del", ns], "/", CancellationToken.None);
        }
    }

    private static Task<Socket> ConnectInAsync(string ns, IPEndPoint service, CancellationToken cancellationToken)
    {
        var socket = NetworkNamespace.Run(ns, () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        return ConnectAsync(socket, service, cancellationToken);
    }

    private static async Task<Socket> ConnectAsync(Socket socket, IPEndPoint service, CancellationToken cancellationToken)
    {
        try
        {
            await socket.ConnectAsync(service, cancellationToken);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static async Task RunAsync(string file, params string[] arguments)
    {
        var result = await ExternalCommand.RunAsync(file, arguments, "/", CancellationToken.None);
        Assert.True(result.ExitCode == 0, $"{file} {string.Join(' ', arguments)}: {result.FirstErrorLine}");
    }
}
