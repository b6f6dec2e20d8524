using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Roost.Core.Model;
using Roost.Hypervisor.Images;
using Roost.Hypervisor.Qemu;

namespace Roost.Hypervisor.Recovery;

/// <summary>
/// A DR guest running the SQLite service (<see cref="SqliteGuest"/>): the protected guest at the primary site
/// (<c>roost dr protect</c>) and the failed-over replica at the cloud site (<c>roost dr failover</c>, and
/// <c>roost dr serve</c>'s failover action). Booted, then up only once its service answers on its own address.
/// </summary>
public sealed class DrGuest : IAsyncDisposable
{
    /// <summary>How long a boot, and then the service's first answer, may take (TCG on a loaded host is slow).</summary>
    public static readonly TimeSpan BootLimit = TimeSpan.FromMinutes(3);

    private readonly QemuVm _vm;

    private DrGuest(QemuVm vm, IPEndPoint service, TimeSpan booted, TimeSpan serving)
    {
        _vm = vm;
        Service = service;
        BootedAfter = booted;
        ServingAfter = serving;
    }

    /// <summary>The guest's service end point (its address, <see cref="SqliteGuest.Port"/>).</summary>
    public IPEndPoint Service { get; }

    /// <summary>From the start to the guest's kernel being up.</summary>
    public TimeSpan BootedAfter { get; }

    /// <summary>From the start to its service's first answer.</summary>
    public TimeSpan ServingAfter { get; }

    /// <summary>Ends when QEMU exits.</summary>
    public Task Exited => _vm.Exited;

    public string? LastError => _vm.LastError;

    /// <summary>
    /// The SQLite service guest image (built or found in the image cache) with its service added, written to
    /// <paramref name="run"/>. A failed build throws <see cref="IOException"/> with the reason.
    /// </summary>
    public static async Task<GuestImage> ServiceImageAsync(string run, CancellationToken cancellationToken)
    {
        var image = await new GuestImageBuilder(GuestImageBuilder.DefaultCacheRoot()).BuildAsync(GuestProfile.DrDatabase, cancellationToken).ConfigureAwait(false) switch
        {
            ImageBuildResult.Built built => built.Image,
            ImageBuildResult.Failed failed => throw new IOException($"guest image: {failed.Reason}"),
            _ => throw new InvalidOperationException("unreachable"),
        };
        return await SqliteGuest.WithServiceAsync(image, Path.Combine(run, "initrd.cpio"), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The launch of VM <paramref name="vm"/> (id <c>dr-vm-N</c>, one vCPU, TCG, RAM in /dev/shm named for this process).</summary>
    public static QemuLaunch Launch(string qemu, GuestImage image, VmId vm, int memoryMiB, GuestNic nic, string run)
    {
        var id = $"dr-vm-{vm.Value}";
        return new QemuLaunch(
            qemu,
            image,
            new GuestSpec(id, 1, memoryMiB, 0, nic),
            Accelerator.Tcg,
            run,
            Path.Combine("/dev/shm", string.Create(CultureInfo.InvariantCulture, $"roost.dr.{Environment.ProcessId}.{id}")));
    }

    /// <summary>
    /// Boots <paramref name="launch"/> and waits until the service at <paramref name="nic"/>'s address answers (each
    /// within <see cref="BootLimit"/>). Throws <see cref="QemuException"/> or <see cref="TimeoutException"/>; QEMU is
    /// stopped then.
    /// </summary>
    public static async Task<DrGuest> StartAsync(QemuLaunch launch, GuestNic nic, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(launch);
        ArgumentNullException.ThrowIfNull(nic);
        var clock = Stopwatch.StartNew();
        var vm = await QemuVm.StartAsync(launch, time, cancellationToken).ConfigureAwait(false);
        try
        {
            var service = new IPEndPoint(IPAddress.Parse(nic.Address[..nic.Address.IndexOf('/', StringComparison.Ordinal)]), SqliteGuest.Port);
            await vm.WaitUntilReadyAsync(BootLimit, cancellationToken).ConfigureAwait(false);
            var booted = clock.Elapsed;
            await SqliteGuest.WaitForServiceAsync(token => ConnectAsync(service, token), BootLimit, time, cancellationToken).ConfigureAwait(false);
            return new DrGuest(vm, service, booted, clock.Elapsed);
        }
        catch
        {
            await vm.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Stops QEMU (and removes its RAM file).</summary>
    public ValueTask DisposeAsync() => _vm.DisposeAsync();

    private static async Task<Socket> ConnectAsync(IPEndPoint service, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(service, cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
