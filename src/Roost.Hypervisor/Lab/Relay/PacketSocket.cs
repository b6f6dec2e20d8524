namespace Roost.Hypervisor.Lab.Relay;

/// <summary>
/// A non-blocking AF_PACKET raw socket bound to one interface: whole Ethernet frames in and out, in the network
/// namespace of the calling thread. Frames the socket itself (or anyone) sends out of the interface are not read
/// back (PACKET_IGNORE_OUTGOING), so a relay between two interfaces never sees its own output.
/// </summary>
internal sealed class PacketSocket : IDisposable
{
    private int _fd;

    private PacketSocket(int fd, string interfaceName)
    {
        _fd = fd;
        InterfaceName = interfaceName;
    }

    public string InterfaceName { get; }

    public int Descriptor => _fd;

    /// <summary>Opens and binds the socket; a missing interface or refused call is an <see cref="IOException"/> naming it.</summary>
    public static PacketSocket Open(string interfaceName, int bufferBytes)
    {
        var index = NativeMethods.IfNameToIndex(interfaceName);
        if (index == 0)
        {
            throw new IOException($"interface {interfaceName}: {NativeMethods.LastError()}");
        }

        var protocol = NativeMethods.HostToNetwork(NativeMethods.EthPAll);
        var fd = NativeMethods.Socket(NativeMethods.AfPacket, NativeMethods.SockRaw | NativeMethods.SockNonBlock | NativeMethods.SockCloexec, protocol);
        if (fd < 0)
        {
            throw new IOException($"AF_PACKET socket on {interfaceName}: {NativeMethods.LastError()}");
        }

        var socket = new PacketSocket(fd, interfaceName);
        try
        {
            socket.SetOption(NativeMethods.SolPacket, NativeMethods.PacketIgnoreOutgoing, 1, "PACKET_IGNORE_OUTGOING");
            socket.SetOption(NativeMethods.SolSocket, NativeMethods.SoRcvBufForce, bufferBytes, "SO_RCVBUFFORCE");
            socket.SetOption(NativeMethods.SolSocket, NativeMethods.SoSndBufForce, bufferBytes, "SO_SNDBUFFORCE");
            var address = new NativeMethods.SockAddrLl
            {
                Family = NativeMethods.AfPacket,
                Protocol = protocol,
                IfIndex = checked((int)index),
            };
            if (NativeMethods.Bind(fd, ref address, System.Runtime.InteropServices.Marshal.SizeOf<NativeMethods.SockAddrLl>()) != 0)
            {
                throw new IOException($"bind AF_PACKET socket to {interfaceName}: {NativeMethods.LastError()}");
            }

            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads one frame into <paramref name="buffer"/>: its full length (which exceeds the buffer when it was
    /// truncated), 0 when none is waiting, or an <see cref="IOException"/> when the interface failed.
    /// </summary>
    public int Receive(byte[] buffer)
    {
        while (true)
        {
            var n = NativeMethods.Recv(_fd, buffer, buffer.Length, NativeMethods.MsgDontWait | NativeMethods.MsgTrunc);
            if (n >= 0)
            {
                return checked((int)n);
            }

            var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            if (errno == NativeMethods.EAgain)
            {
                return 0;
            }

            if (errno != NativeMethods.EIntr)
            {
                throw new IOException($"receive on {InterfaceName}: {NativeMethods.LastError()}");
            }
        }
    }

    /// <summary>Sends one frame without blocking; false when the kernel refused it (queue or buffer full).</summary>
    public bool TrySend(byte[] buffer, int length)
    {
        while (true)
        {
            var n = NativeMethods.Send(_fd, buffer, length, NativeMethods.MsgDontWait);
            if (n >= 0)
            {
                return true;
            }

            if (System.Runtime.InteropServices.Marshal.GetLastPInvokeError() != NativeMethods.EIntr)
            {
                return false;
            }
        }
    }

    /// <summary>Frames the kernel dropped because this socket's receive buffer was full, since the last call.</summary>
    public long TakeKernelDrops()
    {
        var stats = default(NativeMethods.PacketStats);
        var length = System.Runtime.InteropServices.Marshal.SizeOf<NativeMethods.PacketStats>();
        return NativeMethods.GetSockOpt(_fd, NativeMethods.SolPacket, NativeMethods.PacketStatistics, ref stats, ref length) == 0 ? stats.Drops : 0;
    }

    public void Dispose()
    {
        if (_fd >= 0)
        {
            _ = NativeMethods.Close(_fd);
            _fd = -1;
        }
    }

    private void SetOption(int level, int name, int value, string what)
    {
        if (NativeMethods.SetSockOpt(_fd, level, name, ref value, sizeof(int)) != 0)
        {
            throw new IOException($"{what} on {InterfaceName}: {NativeMethods.LastError()}");
        }
    }
}
