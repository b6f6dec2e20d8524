using System.Buffers.Binary;
using System.Text;
using Roost.Hypervisor.Lab;

namespace Roost.Hypervisor.Recovery;

/// <summary>
/// A tap device this process owns (<c>/dev/net/tun</c>, <c>IFF_TAP | IFF_NO_PI</c>): one Ethernet frame per read and
/// per write. It vanishes when the process ends, however it ends. Reads wait at most 200 ms so a
/// reader thread notices <see cref="Dispose"/>. The name must already be checked (an interface-name allow-list).
/// </summary>
internal sealed class TapDevice : IDisposable
{
    private const nuint TunSetIff = 0x400454ca;
    private const short IffTap = 0x0002;
    private const short IffNoPi = 0x1000;
    private static readonly TimeSpan _pollInterval = TimeSpan.FromMilliseconds(200);

    private readonly int _fd;
    private int _disposed;

    private TapDevice(int fd, string name)
    {
        _fd = fd;
        Name = name;
    }

    public string Name { get; }

    public static TapDevice Create(string name)
    {
        var fd = NativeMethods.Open("/dev/net/tun", NativeMethods.ORdWr | NativeMethods.OCloexec);
        if (fd < 0)
        {
            throw new IOException($"/dev/net/tun: {NativeMethods.LastError()}");
        }

        // struct ifreq: 16 bytes of name, then the flags (short); 40 bytes in all.
        var request = new byte[40];
        Encoding.ASCII.GetBytes(name, request);
        BinaryPrimitives.WriteInt16LittleEndian(request.AsSpan(16), IffTap | IffNoPi);
        if (NativeMethods.Ioctl(fd, TunSetIff, request) < 0)
        {
            var error = NativeMethods.LastError();
            _ = NativeMethods.Close(fd);
            throw new IOException($"tap {name}: {error}");
        }

        return new TapDevice(fd, name);
    }

    /// <summary>The next frame's length (0 when none came within the poll interval), or -1 once disposed.</summary>
    public int Read(byte[] buffer)
    {
        if (Volatile.Read(ref _disposed) == 1)
        {
            return -1;
        }

        var poll = new[] { new NativeMethods.PollFd { Fd = _fd, Events = NativeMethods.PollIn } };
        var timeout = new NativeMethods.TimeSpec { Seconds = 0, Nanoseconds = (long)_pollInterval.TotalMilliseconds * 1_000_000 };
        var ready = NativeMethods.PPoll(poll, 1, ref timeout, 0);
        if (ready <= 0 || (poll[0].REvents & NativeMethods.PollIn) == 0)
        {
            return (poll[0].REvents & (NativeMethods.PollErr | NativeMethods.PollHup | NativeMethods.PollNval)) != 0 ? -1 : 0;
        }

        var read = NativeMethods.Read(_fd, buffer, buffer.Length);
        return read < 0 ? 0 : (int)read;
    }

    public void Write(byte[] frame, int length)
    {
        if (Volatile.Read(ref _disposed) == 0)
        {
            // A frame the kernel refuses (the tap is down) is lost, as on a wire.
            _ = NativeMethods.Write(_fd, frame, length);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _ = NativeMethods.Close(_fd);
        }
    }
}
