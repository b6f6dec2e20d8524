using System.Net.Sockets;
using System.Threading.Channels;
using Roost.Core.Model;
using Roost.Hypervisor.Images;
using Roost.Hypervisor.Qemu;

namespace Roost.Hypervisor.Recovery;

/// <summary>
/// A protected VM's NIC through Roost (<c>roost dr protect</c>): QEMU sends the guest's frames to a Unix datagram
/// socket of this process (<see cref="QemuLaunch.NicDatagramSockets"/>); each is registered with the
/// <see cref="ReplicationClient"/> the moment it arrives (so it depends on every write the guest saw completed before
/// it) and written to a tap on the site's bridge only when the replicator releases it: in pipelined mode once the
/// cloud site has acknowledged all those writes (PipeCloud's egress buffer), in sync and async at once. Frames leave
/// in the order they came; a frame the buffer has no room for is dropped (the guest's TCP sends it again). Frames from
/// the bridge go to the guest at once. Frames are at most <see cref="MaxFrameBytes"/>; longer datagrams are cut by
/// the socket and dropped here.
/// </summary>
public sealed class EgressForwarder : IAsyncDisposable
{
    public const int MaxFrameBytes = 9216;

    private readonly Socket _socket;
    private readonly UnixDomainSocketEndPoint _qemu;
    private readonly TapDevice _tap;
    private readonly VmId _vm;
    private readonly ReplicationClient _replication;
    /// <summary>Frames waiting for their turn, in order: at most the replicator's egress buffer (it drops beyond) and as many again released behind a held one.</summary>
    private readonly Channel<(byte[] Frame, Task<bool> Released)> _held = Channel.CreateBounded<(byte[], Task<bool>)>(new BoundedChannelOptions(8192) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _fromGuest;
    private readonly Task _toTap;
    private readonly Task _toGuest;
    private long _framesOut;
    private long _framesIn;
    private long _dropped;

    private EgressForwarder(Socket socket, UnixDomainSocketEndPoint qemu, TapDevice tap, VmId vm, ReplicationClient replication)
    {
        _socket = socket;
        _qemu = qemu;
        _tap = tap;
        _vm = vm;
        _replication = replication;
        _fromGuest = Task.Run(FromGuestAsync);
        _toTap = Task.Run(ToTapAsync);
        _toGuest = Task.Factory.StartNew(ToGuest, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>Frames released to the bridge.</summary>
    public long FramesOut => Interlocked.Read(ref _framesOut);

    /// <summary>Frames from the bridge delivered to the guest.</summary>
    public long FramesIn => Interlocked.Read(ref _framesIn);

    /// <summary>Frames the egress buffer had no room for, or longer than <see cref="MaxFrameBytes"/>.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>
    /// Binds <paramref name="socketPath"/> (in an owner-only directory; QEMU binds <paramref name="qemuSocketPath"/>),
    /// creates tap <paramref name="tapName"/> (an interface name already checked by an allow-list) and puts it on
    /// <paramref name="bridge"/> and up (with no bridge the caller places it: a tap keeps working in another namespace).
    /// </summary>
    public static async Task<EgressForwarder> StartAsync(string socketPath, string qemuSocketPath, string tapName, string? bridge, VmId vm, ReplicationClient replication, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(replication);
        PrivateFiles.RequireOwnerOnlyDirectory(Path.GetDirectoryName(Path.GetFullPath(socketPath)) ?? "/");
        var tap = TapDevice.Create(tapName);
        var attach = await ExternalCommand.RunAsync("ip", bridge is null ? ["link", "set", "dev", tapName, "up"] : ["link", "set", "dev", tapName, "master", bridge, "up"], "/", cancellationToken).ConfigureAwait(false);
        if (attach.ExitCode != 0)
        {
            tap.Dispose();
            throw new IOException($"cannot put tap {tapName} up{(bridge is null ? "" : $" on bridge {bridge}")}: {attach.FirstErrorLine}");
        }

        File.Delete(socketPath);
        var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(socketPath));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(socketPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }
        catch
        {
            socket.Dispose();
            tap.Dispose();
            throw;
        }

        return new EgressForwarder(socket, new UnixDomainSocketEndPoint(qemuSocketPath), tap, vm, replication);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _held.Writer.TryComplete();
        _socket.Dispose();
        foreach (var task in new[] { _fromGuest, _toTap, _toGuest })
        {
            try
            {
                await task.ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
            }
        }

        _tap.Dispose();
        _stop.Dispose();
    }

    private async Task FromGuestAsync()
    {
        var buffer = new byte[MaxFrameBytes + 1];
        while (!_stop.IsCancellationRequested)
        {
            var read = await _socket.ReceiveAsync(buffer, SocketFlags.None, _stop.Token).ConfigureAwait(false);
            if (read is < 14 or > MaxFrameBytes)
            {
                Interlocked.Increment(ref _dropped);
                continue;
            }

            // Registered now, in arrival order: the frame depends on every write completed before it came.
            if (!_held.Writer.TryWrite((buffer.AsSpan(0, read).ToArray(), _replication.PacketAsync(_vm, null))))
            {
                Interlocked.Increment(ref _dropped);
            }
        }
    }

    private async Task ToTapAsync()
    {
        await foreach (var (frame, released) in _held.Reader.ReadAllAsync(_stop.Token).ConfigureAwait(false))
        {
            if (await released.WaitAsync(_stop.Token).ConfigureAwait(false))
            {
                _tap.Write(frame, frame.Length);
                Interlocked.Increment(ref _framesOut);
            }
            else
            {
                Interlocked.Increment(ref _dropped);
            }
        }
    }

    private void ToGuest()
    {
        var buffer = new byte[65_536];
        while (!_stop.IsCancellationRequested)
        {
            var read = _tap.Read(buffer);
            if (read < 0)
            {
                return;
            }

            if (read is >= 14 and <= MaxFrameBytes)
            {
                try
                {
                    _socket.SendTo(buffer.AsSpan(0, read), SocketFlags.None, _qemu);
                    Interlocked.Increment(ref _framesIn);
                }
                catch (SocketException)
                {
                    // QEMU is not there yet (or gone): the frame is lost, as on a wire.
                }
            }
        }
    }
}
