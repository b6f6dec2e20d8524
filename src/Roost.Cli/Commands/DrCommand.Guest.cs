using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Roost.Core.Model;
using Roost.Core.Network;
using Roost.Core.Recovery;
using Roost.Hypervisor.Images;
using Roost.Hypervisor.Qemu;
using Roost.Hypervisor.Recovery;
using Roost.Simulation.Input;

namespace Roost.Cli.Commands;

/// <summary>
/// <c>roost dr protect</c>: a protected guest at the primary site: its disk is Roost's NBD server (writes applied
/// locally and replicated), its NIC goes through Roost's egress buffer, and it runs the SQLite service
/// (<see cref="SqliteGuest"/>). <c>roost dr failover</c>: at the cloud site, the guest's disk exported from the
/// journal at its latest consistent point, booted with the same address on a local bridge. Both run until SIGTERM.
/// </summary>
internal sealed partial class DrCommand
{
    private static async Task<int> ProtectAsync(ParsedOptions options, CancellationToken cancellationToken)
    {
        const string Verb = "roost dr protect";
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var sigterm = CancelOnSigterm(stop);
        cancellationToken = stop.Token;
        var to = EndPoint(options, "to", Verb);
        var secret = RelayCommand.ReadSecret(options.Get("secret-file") ?? throw new UsageException($"{Verb}: --secret-file is required"), "dr protect");
        var modeName = options.Get("mode") ?? throw new UsageException($"{Verb}: --mode is required (async, sync or pipelined)");
        if (!ReplicationModes.TryParse(modeName, out var mode))
        {
            throw new UsageException($"{Verb}: --mode '{PrintableText.Escape(modeName)}' is not async, sync or pipelined");
        }

        var disk = ParseDisk(options.Get("vm") ?? throw new UsageException($"{Verb}: --vm ID:SIZE_MIB is required"), Verb);
        var (run, nic, bridge) = GuestPlace(options, Verb);
        var lag = options.GetInt("lag", 1024, min: 1, max: 1_048_576);
        var image = await ServiceImageAsync(run, Verb, cancellationToken).ConfigureAwait(false);
        var diskPath = options.Get("disk") ?? Path.Combine(run, $"vm-{disk.Vm.Value}.img");
        var fresh = !File.Exists(diskPath);
        if (fresh && await SqliteGuest.FormatDiskAsync(diskPath, disk.SizeBytes, cancellationToken).ConfigureAwait(false) is { } formatFailure)
        {
            // Only a file the format made: a --disk that names a folder, or a file in a missing one, is left alone.
            if (File.Exists(diskPath))
            {
                File.Delete(diskPath);
            }

            throw new UsageException($"{Verb}: {formatFailure}", 1);
        }

        await using var replication = new ReplicationClient(to, secret, new ReplicatorOptions { Mode = mode.Value, MaxUnackedWrites = lag }, [disk.Vm], TimeProvider.System, Console.Error.WriteLine);
        ProtectedDiskServer diskServer;
        EgressForwarder forwarder;
        try
        {
            diskServer = ProtectedDiskServer.Start(Path.Combine(run, "disk.nbd"), diskPath, disk.SizeBytes, disk.Vm, replication, Console.Error.WriteLine);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or SocketException)
        {
            throw new UsageException($"{Verb}: the disk server: {e.Message}", 1);
        }

        await using (diskServer.ConfigureAwait(false))
        {
            if (fresh)
            {
                var clock = Stopwatch.StartNew();
                var shipped = await diskServer.ShipInitialCopyAsync().ConfigureAwait(false);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{Verb}: a new ext4 disk; initial copy {shipped} of {disk.SizeBytes} bytes (the blocks not all zeros) handed to the replication in {clock.Elapsed.TotalSeconds:0.00} s"));
            }

            try
            {
                forwarder = await EgressForwarder.StartAsync(
                    Path.Combine(run, "nic.sock"), Path.Combine(run, "qemu-nic.sock"), GuestNic.TapNameFor("dr", $"vm-{disk.Vm.Value}"), bridge, disk.Vm, replication, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or SocketException)
            {
                throw new UsageException($"{Verb}: the egress buffer: {e.Message}", 1);
            }

            await using (forwarder.ConfigureAwait(false))
            {
                File.Delete(Path.Combine(run, "qemu-nic.sock"));
                var launch = GuestLaunch(options, image, disk.Vm, nic, run) with
                {
                    NbdDiskSocket = Path.Combine(run, "disk.nbd"),
                    NicDatagramSockets = (Path.Combine(run, "qemu-nic.sock"), Path.Combine(run, "nic.sock")),
                };
                await RunGuestAsync(Verb, launch, nic, string.Create(CultureInfo.InvariantCulture, $"mode {ReplicationModes.Name(mode.Value)}, replicating to {to}"), cancellationToken).ConfigureAwait(false);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{Verb}: stopped; {diskServer.Writes} guest writes ({diskServer.BytesWritten} bytes), frames out {forwarder.FramesOut}, in {forwarder.FramesIn}, dropped {forwarder.Dropped}"));
            }
        }

        return 0;
    }

    private static async Task<int> FailoverAsync(ParsedOptions options, CancellationToken cancellationToken)
    {
        const string Verb = "roost dr failover";
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var sigterm = CancelOnSigterm(stop);
        cancellationToken = stop.Token;
        var clock = Stopwatch.StartNew();
        var directory = options.Get("dir") ?? throw new UsageException($"{Verb}: --dir is required");
        var disk = ParseDisk(options.Get("vm") ?? throw new UsageException($"{Verb}: --vm ID:SIZE_MIB is required"), Verb);
        var (run, nic, bridge) = GuestPlace(options, Verb, () => RequireJournal(Verb, directory, disk));
        var image = await ServiceImageAsync(run, Verb, cancellationToken).ConfigureAwait(false);
        var prepared = clock.Elapsed;
        var replica = Path.Combine(run, $"vm-{disk.Vm.Value}.img");
        File.Delete(replica);
        var (at, applied, _) = ExportReplica(Verb, directory, disk, replica, null);
        var exported = clock.Elapsed - prepared;
        var launch = GuestLaunch(options, image, disk.Vm, nic, run) with
        {
            DiskImage = replica,
            TapName = GuestNic.TapNameFor("dr-failover", $"vm-{disk.Vm.Value}"),
            Bridge = bridge,
        };
        await RunGuestAsync(Verb, launch, nic, string.Create(CultureInfo.InvariantCulture, $"image ready in {prepared.TotalSeconds:0.00} s, replica at write {at} of {applied} exported in {exported.TotalSeconds:0.00} s"), cancellationToken).ConfigureAwait(false);
        return 0;
    }

    /// <summary>SIGTERM cancels <paramref name="stop"/> (the command then shuts down in order: QEMU, forwarder, disk server) instead of ending the process.</summary>
    private static PosixSignalRegistration CancelOnSigterm(CancellationTokenSource stop) =>
        PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });

    /// <summary>--run (made owner-only, after every check and <paramref name="checkFirst"/>), --address/--gateway (a <see cref="GuestNic"/>) and --bridge (an interface name).</summary>
    private static (string Run, GuestNic Nic, string Bridge) GuestPlace(ParsedOptions options, string verb, Action? checkFirst = null)
    {
        var run = options.Get("run") ?? throw new UsageException($"{verb}: --run DIR is required");
        var nic = new GuestNic("dr", options.Get("address") ?? throw new UsageException($"{verb}: --address ADDRESS/PREFIX is required"), options.Get("gateway"));
        if (nic.Validate() is { } invalid)
        {
            throw new UsageException($"{verb}: {invalid}");
        }

        var bridge = options.Get("bridge") ?? throw new UsageException($"{verb}: --bridge NAME is required");
        if (!SiteFabric.IsInterfaceName(bridge))
        {
            throw new UsageException($"{verb}: --bridge '{PrintableText.Escape(bridge)}' is not an interface name");
        }

        checkFirst?.Invoke();

        try
        {
            PrivateFiles.CreateDirectory(run);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{verb}: --run {PrintableText.Escape(run)}: {e.Message}", 1);
        }

        return (run, nic, bridge);
    }

    private static async Task<GuestImage> ServiceImageAsync(string run, string verb, CancellationToken cancellationToken)
    {
        try
        {
            return await DrGuest.ServiceImageAsync(run, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw new UsageException($"{verb}: {e.Message}", 1);
        }
    }

    private static QemuLaunch GuestLaunch(ParsedOptions options, GuestImage image, VmId vm, GuestNic nic, string run) =>
        DrGuest.Launch(options.Get("qemu") ?? "qemu-system-x86_64", image, vm, options.GetInt("memory-mib", 256, min: GuestSpec.MinMemoryMiB, max: 65_536), nic, run);

    /// <summary>Boots the guest, waits until its service answers, prints how long that took, and runs until <paramref name="cancellationToken"/> (SIGTERM).</summary>
    private static async Task RunGuestAsync(string verb, QemuLaunch launch, GuestNic nic, string what, CancellationToken cancellationToken)
    {
        foreach (var stale in StaleGuestMemory.Sweep("/dev/shm", "roost.dr."))
        {
            Console.Error.WriteLine($"{verb}: removed {stale}, the guest RAM of a killed 'roost dr' process");
        }

        DrGuest guest;
        try
        {
            guest = await DrGuest.StartAsync(launch, nic, TimeProvider.System, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is QemuException or TimeoutException)
        {
            throw new UsageException($"{verb}: {e.Message}", 1);
        }

        await using (guest.ConfigureAwait(false))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{verb}: {launch.Spec.Id} serving at {guest.Service} ({what}); booted in {guest.BootedAfter.TotalSeconds:0.00} s, service answering at {guest.ServingAfter.TotalSeconds:0.00} s"));
            try
            {
                await guest.Exited.WaitAsync(cancellationToken).ConfigureAwait(false);
                throw new UsageException($"{verb}: QEMU exited: {guest.LastError}", 1);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }
        }
    }
}
