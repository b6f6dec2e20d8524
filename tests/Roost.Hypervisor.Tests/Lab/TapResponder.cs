using System.Buffers.Binary;
using System.Net;
using System.Runtime.InteropServices;
using Roost.Hypervisor.Lab;

namespace Roost.Hypervisor.Tests.Lab;

/// <summary>
/// The smallest stand-in for a guest NIC: a tap device opened in a site's namespace (as QEMU's <c>-netdev tap</c>
/// opens one) whose user-space end answers ARP requests for its address and ICMP echo requests to it. Shows that a
/// tap in a site's bridge carries traffic to and from the WAN, where the guest NIC work will plug in.
/// </summary>
internal sealed class TapResponder : IDisposable
{
    private const int ORdWr = 0x2;
    private const int ONonBlock = 0x800;
    private const int OCloexec = 0x80000;
    private const uint TunSetIff = 0x400454ca;
    private const short IffTap = 0x0002;
    private const short IffNoPi = 0x1000;

    private readonly int _fd;
    private readonly byte[] _address;
    private readonly byte[] _mac;
    private readonly Thread _loop;
    private volatile bool _stopped;
    private int _arpAnswered;
    private int _echoAnswered;

    private TapResponder(int fd, IPAddress address, byte[] mac)
    {
        _fd = fd;
        _address = address.GetAddressBytes();
        _mac = mac;
        _loop = new Thread(Run) { IsBackground = true, Name = "tap responder" };
        _loop.Start();
    }

    public int ArpAnswered => _arpAnswered;

    public int EchoAnswered => _echoAnswered;

    /// <summary>The first frame this responder could not handle (a bug in it), or null.</summary>
    public string? Failure { get; private set; }

    /// <summary>Creates tap <paramref name="name"/> in namespace <paramref name="ns"/> (gone when this is disposed) and answers for <paramref name="address"/>.</summary>
    public static TapResponder Open(string ns, string name, IPAddress address)
    {
        var fd = NetworkNamespace.Run(ns, () =>
        {
            var tun = OpenFile("/dev/net/tun", ORdWr | ONonBlock | OCloexec);
            if (tun < 0)
            {
                throw new IOException($"/dev/net/tun: {Marshal.GetLastPInvokeError()}");
            }

            var request = new byte[40];
            System.Text.Encoding.ASCII.GetBytes(name).CopyTo(request, 0);
            BinaryPrimitives.WriteInt16LittleEndian(request.AsSpan(16), IffTap | IffNoPi);
            if (Ioctl(tun, TunSetIff, request) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                _ = CloseFile(tun);
                throw new IOException($"TUNSETIFF {name}: errno {errno}");
            }

            return tun;
        });
        return new TapResponder(fd, address, [0x02, 0x52, 0x4f, 0x4f, 0x53, 0x54]);
    }

    public void Dispose()
    {
        _stopped = true;
        _loop.Join();
        _ = CloseFile(_fd);
    }

    private void Run()
    {
        var frame = new byte[2048];
        var polls = new[] { new PollFd { Fd = _fd, Events = 1 } };
        while (!_stopped)
        {
            if (Poll(polls, 1, 100) <= 0)
            {
                continue;
            }

            var length = (int)Read(_fd, frame, frame.Length);
            try
            {
                if (length >= 42 && Answer(frame.AsSpan(0, length)) is { } reply)
                {
                    _ = Write(_fd, reply, reply.Length);
                }
            }
            catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException or OverflowException)
            {
                Failure ??= $"{e.GetType().Name} on a {length}-byte frame: {e.Message}";
            }
        }
    }

    private byte[]? Answer(ReadOnlySpan<byte> frame)
    {
        var type = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
        if (type == 0x0806 && BinaryPrimitives.ReadUInt16BigEndian(frame[20..]) == 1 && frame.Slice(38, 4).SequenceEqual(_address))
        {
            Interlocked.Increment(ref _arpAnswered);
            return
            [
                .. frame.Slice(6, 6), .. _mac, 0x08, 0x06,
                0, 1, 0x08, 0, 6, 4, 0, 2,
                .. _mac, .. _address,
                .. frame.Slice(22, 6), .. frame.Slice(28, 4),
            ];
        }

        var headerLength = (frame[14] & 0x0f) * 4;
        if (type != 0x0800 || frame[23] != 1 || !frame.Slice(30, 4).SequenceEqual(_address) || frame[14 + headerLength] != 8)
        {
            return null;
        }

        var totalLength = BinaryPrimitives.ReadUInt16BigEndian(frame[16..]);
        var reply = frame[..(14 + totalLength)].ToArray();
        frame.Slice(6, 6).CopyTo(reply);
        _mac.CopyTo(reply, 6);
        frame.Slice(30, 4).CopyTo(reply.AsSpan(26));
        frame.Slice(26, 4).CopyTo(reply.AsSpan(30));
        reply[22] = 64;
        Checksum(reply.AsSpan(14, headerLength), 10);
        reply[14 + headerLength] = 0;
        Checksum(reply.AsSpan(14 + headerLength, totalLength - headerLength), 2);
        Interlocked.Increment(ref _echoAnswered);
        return reply;
    }

    /// <summary>Writes the Internet checksum (RFC 1071) of <paramref name="data"/> at <paramref name="offset"/>.</summary>
    private static void Checksum(Span<byte> data, int offset)
    {
        data[offset] = 0;
        data[offset + 1] = 0;
        uint sum = 0;
        for (var i = 0; i + 1 < data.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        }

        if (data.Length % 2 == 1)
        {
            sum += (uint)data[^1] << 8;
        }

        while (sum > 0xffff)
        {
            sum = (sum & 0xffff) + (sum >> 16);
        }

        BinaryPrimitives.WriteUInt16BigEndian(data[offset..], unchecked((ushort)~sum));
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short REvents;
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int OpenFile([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static extern int Ioctl(int fd, uint request, byte[] argument);

    [DllImport("libc", EntryPoint = "read", SetLastError = true)]
    private static extern nint Read(int fd, byte[] buffer, nint count);

    [DllImport("libc", EntryPoint = "write", SetLastError = true)]
    private static extern nint Write(int fd, byte[] buffer, nint count);

    [DllImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static extern int Poll([In, Out] PollFd[] fds, nuint count, int timeoutMilliseconds);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int CloseFile(int fd);
}
