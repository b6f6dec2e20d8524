using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Roost.Hypervisor.Images;
using Roost.Hypervisor.Qemu;

namespace Roost.Hypervisor.Lab;

/// <summary>
/// Measures a lab's WAN between two sites as a user would: round trips with <c>ping</c> (iputils, else busybox)
/// run inside the source site, and TCP throughput with a bounded bulk transfer between sockets opened in the two
/// sites' namespaces by this process, from one site's LAN address to the other's. Also reads the relay's CPU time.
/// </summary>
public static partial class WanProbe
{
    private const int TransferChunkBytes = 64 * 1024;
    private const int IpProtocolTcp = 6;
    private const int TcpInfo = 11;
    private const int TcpInfoBytesReceivedOffset = 128;

    /// <summary>
    /// Pings site <paramref name="to"/>'s LAN address from site <paramref name="from"/>'s, <paramref name="count"/>
    /// times <paramref name="interval"/> apart, after one unmeasured ping that resolves ARP on the way. Returns the
    /// round trips in order; a lost ping is simply absent.
    /// </summary>
    public static Task<IReadOnlyList<TimeSpan>> PingAsync(WanLab lab, int from, int to, int count, TimeSpan interval, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lab);
        return PingAsync(lab, from, IPAddress.Parse(lab.Layout.SiteAddress(to)), count, interval, cancellationToken);
    }

    /// <summary>As <see cref="PingAsync(WanLab, int, int, int, TimeSpan, CancellationToken)"/>, to any address (a guest's behind a site's bridge).</summary>
    public static async Task<IReadOnlyList<TimeSpan>> PingAsync(WanLab lab, int from, IPAddress to, int count, TimeSpan interval, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lab);
        ArgumentNullException.ThrowIfNull(to);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var (file, prefix) = PingCommand() ?? throw new IOException("neither ping nor busybox is on PATH (Debian: apt-get install iputils-ping or busybox-static)");
        var target = to.ToString();
        string[] arguments = [.. prefix, "-c", (count + 1).ToString(CultureInfo.InvariantCulture),
            "-i", interval.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture),
            "-I", lab.Layout.SiteAddress(from), target];
        var (result, output) = await WanLab.RunCapturingAsync("ip", lab.Layout.InSite(from, file, arguments), cancellationToken).ConfigureAwait(false);
        var samples = ParsePingTimes(output);
        if (samples.Count == 0)
        {
            throw new IOException($"ping {target} from site {from} got no answer (exit code {result.ExitCode}: {result.FirstErrorLine})");
        }

        // The first answer paid for ARP resolution across the WAN too.
        return [.. samples.Skip(1)];
    }

    /// <summary>The round-trip times in ping's output (iputils and busybox both print <c>time=40.370 ms</c>), in order.</summary>
    public static IReadOnlyList<TimeSpan> ParsePingTimes(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        return [.. PingTime().Matches(output).Select(m =>
            TimeSpan.FromMicroseconds(Math.Round(double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) * 1000)))];
    }

    /// <summary>
    /// Sends TCP data from site <paramref name="from"/> to site <paramref name="to"/> for <paramref name="duration"/>
    /// and measures the goodput from <paramref name="warmUp"/> (slow start excluded) until the sender stops, from
    /// the receiving kernel's count of bytes received in order (TCP_INFO), each count read together with the clock:
    /// what this process reads and when does not enter the figure, so a loaded machine cannot inflate it.
    /// Bounded: the sender stops at <paramref name="duration"/>, and the whole transfer is cancelled 30 s later.
    /// </summary>
    public static async Task<ThroughputSample> MeasureThroughputAsync(
        WanLab lab,
        int from,
        int to,
        TimeSpan duration,
        TimeSpan warmUp,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lab);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(warmUp, duration);
        var server = IPAddress.Parse(lab.Layout.SiteAddress(to));
        var client = IPAddress.Parse(lab.Layout.SiteAddress(from));
        using var listener = lab.InSite(to, () => Listen(server));
        using var sender = lab.InSite(from, () => Bound(client));
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(duration + TimeSpan.FromSeconds(30));

        var accepted = listener.AcceptAsync(bound.Token);
        var endpoint = listener.LocalEndPoint as IPEndPoint ?? throw new InvalidOperationException("the listener has no endpoint");
        await sender.ConnectAsync(endpoint, bound.Token).ConfigureAwait(false);
        using var receiver = await accepted.ConfigureAwait(false);

        // Both ends run on their own threads at real-time priority (below the relay's): real end hosts do not share
        // their CPUs with the rest of the lab, so the machine's load must not starve them here either.
        var timeout = (int)(duration + TimeSpan.FromSeconds(30)).TotalMilliseconds;
        sender.SendTimeout = timeout;
        receiver.ReceiveTimeout = timeout;
        var draining = OnTransferThread("lab receiver", () => Drain(receiver));
        var sending = OnTransferThread("lab sender", () => SendFor(sender, receiver, duration, warmUp, time));
        using (bound.Token.Register(() => sender.Dispose()))
        {
            var (sent, first, last) = await sending.ConfigureAwait(false);
            sender.Shutdown(SocketShutdown.Send);
            var received = await draining.ConfigureAwait(false);
            return new ThroughputSample(sent, received, last.Bytes - first.Bytes, time.GetElapsedTime(first.At, last.At));
        }
    }

    /// <summary>CPU time the lab's relay has used so far, or null when it is not running.</summary>
    public static TimeSpan? RelayProcessorTime(WanLab lab)
    {
        ArgumentNullException.ThrowIfNull(lab);
        return lab.Status().State.Relay is { IsAlive: true } relay ? ProcessStats.Read(relay.Pid)?.CpuTime : null;
    }

    /// <summary>
    /// Sends for <paramref name="duration"/>; samples the receiver's in-order byte count with the clock when the
    /// warm-up has passed and when sending stops.
    /// </summary>
    private static (long Sent, (long At, long Bytes) First, (long At, long Bytes) Last) SendFor(
        Socket sender,
        Socket receiver,
        TimeSpan duration,
        TimeSpan warmUp,
        TimeProvider time)
    {
        var chunk = new byte[TransferChunkBytes];
        var started = time.GetTimestamp();
        long sent = 0;
        (long At, long Bytes)? first = null;
        while (time.GetElapsedTime(started) < duration)
        {
            sent += sender.Send(chunk);
            if (first is null && time.GetElapsedTime(started) >= warmUp)
            {
                first = (time.GetTimestamp(), BytesReceived(receiver));
            }
        }

        var last = (time.GetTimestamp(), BytesReceived(receiver));
        return (sent, first ?? last, last);
    }

    private static long Drain(Socket socket)
    {
        var buffer = new byte[4 * TransferChunkBytes];
        long received = 0;
        int n;
        while ((n = socket.Receive(buffer)) > 0)
        {
            received += n;
        }

        return received;
    }

    /// <summary>Runs <paramref name="body"/> on a new thread at SCHED_FIFO priority 5 where the kernel allows it.</summary>
    private static Task<T> OnTransferThread<T>(string name, Func<T> body)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            var priority = 5;
            _ = NativeMethods.SchedSetScheduler(0, NativeMethods.SchedFifo, ref priority);
            try
            {
                done.SetResult(body());
            }
#pragma warning disable CA1031 // Handed to the awaiting caller.
            catch (Exception e)
#pragma warning restore CA1031
            {
                done.SetException(e);
            }
        })
        {
            IsBackground = true,
            Name = name,
        };
        thread.Start();
        return done.Task;
    }

    /// <summary>tcpi_bytes_received of struct tcp_info (Linux 4.1+, at byte 128): bytes the kernel received in order.</summary>
    private static long BytesReceived(Socket socket)
    {
        Span<byte> info = stackalloc byte[512];
        var length = socket.GetRawSocketOption(IpProtocolTcp, TcpInfo, info);
        return length >= TcpInfoBytesReceivedOffset + 8
            ? BinaryPrimitives.ReadInt64LittleEndian(info[TcpInfoBytesReceivedOffset..])
            : throw new IOException($"TCP_INFO is {length} bytes, too short for tcpi_bytes_received");
    }

    private static Socket Listen(IPAddress address)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(address, 0));
        socket.Listen(1);
        return socket;
    }

    private static Socket Bound(IPAddress address)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(address, 0));
        return socket;
    }

    private static (string File, string[] Prefix)? PingCommand() =>
        ExternalCommand.FindOnPath("ping") is { } ping ? (ping, [])
        : ExternalCommand.FindOnPath("busybox") is { } busybox ? (busybox, ["ping"])
        : null;

    [GeneratedRegex(@"time=([0-9]+(?:\.[0-9]+)?) ms")]
    private static partial Regex PingTime();
}
