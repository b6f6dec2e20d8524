using System.Runtime.InteropServices;

namespace Roost.Hypervisor.Lab;

/// <summary>
/// The libc calls the lab needs and .NET does not offer: AF_PACKET sockets (the relay's raw Ethernet I/O),
/// ppoll with a nanosecond timeout, tap devices (open, ioctl, read, write), setns (entering a site's network namespace), and real-time scheduling.
/// Linux x86-64/arm64 layouts; every argument is blittable, so nothing is marshalled but pinned arrays.
/// </summary>
internal static class NativeMethods
{
    public const int AfPacket = 17;
    public const int SockRaw = 3;
    public const int SockNonBlock = 0x800;
    public const int SockCloexec = 0x80000;
    public const ushort EthPAll = 0x0003;
    public const int SolSocket = 1;
    public const int SoSndBufForce = 32;
    public const int SoRcvBufForce = 33;
    public const int SolPacket = 263;
    public const int PacketStatistics = 6;
    public const int PacketIgnoreOutgoing = 23;
    public const int MsgTrunc = 0x20;
    public const int MsgDontWait = 0x40;
    public const short PollIn = 0x1;
    public const short PollErr = 0x8;
    public const short PollHup = 0x10;
    public const short PollNval = 0x20;
    public const int EIntr = 4;
    public const int EAgain = 11;
    public const int CloneNewNet = 0x40000000;
    public const int SchedFifo = 1;
    public const int SigKill = 9;
    public const int SigTerm = 15;
    public const int ORdWr = 2;
    public const int OCloexec = 0x80000;

    [StructLayout(LayoutKind.Sequential)]
    public struct SockAddrLl
    {
        public ushort Family;
        public ushort Protocol;
        public int IfIndex;
        public ushort HaType;
        public byte PktType;
        public byte HaLen;
        public ulong Addr;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short REvents;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct PacketStats
    {
        public uint Packets;
        public uint Drops;
    }

    [DllImport("libc", EntryPoint = "socket", SetLastError = true)]
    public static extern int Socket(int domain, int type, int protocol);

    [DllImport("libc", EntryPoint = "bind", SetLastError = true)]
    public static extern int Bind(int fd, ref SockAddrLl address, int length);

    [DllImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    public static extern int SetSockOpt(int fd, int level, int name, ref int value, int length);

    [DllImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    public static extern int GetSockOpt(int fd, int level, int name, ref PacketStats value, ref int length);

    [DllImport("libc", EntryPoint = "recv", SetLastError = true)]
    public static extern nint Recv(int fd, byte[] buffer, nint length, int flags);

    [DllImport("libc", EntryPoint = "send", SetLastError = true)]
    public static extern nint Send(int fd, byte[] buffer, nint length, int flags);

    [DllImport("libc", EntryPoint = "ppoll", SetLastError = true)]
    public static extern int PPoll([In, Out] PollFd[] fds, nuint count, ref TimeSpec timeout, nint signalMask);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    public static extern int Close(int fd);

    [DllImport("libc", EntryPoint = "if_nametoindex", SetLastError = true)]
    public static extern uint IfNameToIndex([MarshalAs(UnmanagedType.LPUTF8Str)] string name);

    [DllImport("libc", EntryPoint = "setns", SetLastError = true)]
    public static extern int SetNs(int fd, int type);

    [DllImport("libc", EntryPoint = "sched_setscheduler", SetLastError = true)]
    public static extern int SchedSetScheduler(int pid, int policy, ref int priority);

    [DllImport("libc", EntryPoint = "setsid", SetLastError = true)]
    public static extern int SetSid();

    [DllImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static extern int Ioctl(int fd, nuint request, byte[] argument);

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    public static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "read", SetLastError = true)]
    public static extern nint Read(int fd, byte[] buffer, nint length);

    [DllImport("libc", EntryPoint = "write", SetLastError = true)]
    public static extern nint Write(int fd, byte[] buffer, nint length);

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static extern int Kill(int pid, int signal);

    [DllImport("libc", EntryPoint = "dup2", SetLastError = true)]
    public static extern int Dup2(int oldFd, int newFd);

    /// <summary>The errno of the last call above, as text (<c>"No such device"</c>).</summary>
    public static string LastError() => Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError());

    public static ushort HostToNetwork(ushort value) => (ushort)((value << 8) | (value >> 8));
}
