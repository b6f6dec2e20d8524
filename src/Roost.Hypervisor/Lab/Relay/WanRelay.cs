using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Roost.Hypervisor.Lab.Relay;

/// <summary>
/// The WAN core of a lab: one AF_PACKET socket per site's WAN interface, a <see cref="DelayLine"/> per site (what
/// the site sent, held for the one-way delay) and a <see cref="LearningSwitch"/> choosing where a due frame goes.
/// Bandwidth is not the relay's business: tc shapes each interface's egress on both sides.
/// </summary>
/// <remarks>
/// One thread runs the whole loop (ppoll with a nanosecond timeout until the next frame is due, read what waits,
/// send what is due), so the delay lines and the switch have one owner and need no locks. The relay runs in the
/// lab's "wan" network namespace (started there by <c>ip netns exec</c>), and best at real-time priority, so the
/// added delay does not grow with the machine's load.
/// </remarks>
public sealed class WanRelay : IDisposable
{
    private const int MaxFramesPerRead = 64;
    private static readonly TimeSpan _maxWait = TimeSpan.FromMilliseconds(100);

    private readonly RelaySettings _settings;
    private readonly TimeProvider _time;
    private readonly PacketSocket[] _sockets;
    private readonly DelayLine[] _lines;
    private readonly Counters[] _counters;
    private readonly LearningSwitch _switch;
    private readonly long _started;

    private WanRelay(RelaySettings settings, TimeProvider time, PacketSocket[] sockets)
    {
        _settings = settings;
        _time = time;
        _sockets = sockets;
        _lines = [.. sockets.Select(_ => new DelayLine(settings.OneWayDelay, settings.QueueBytesPerPort, time))];
        _counters = [.. sockets.Select(_ => new Counters())];
        _switch = new LearningSwitch(sockets.Length);
        _started = time.GetTimestamp();
    }

    /// <summary>Whether <see cref="TryEnableRealTime"/> succeeded for the loop's thread.</summary>
    public bool RealTime { get; private set; }

    /// <summary>Opens a socket on every port, in the calling thread's network namespace. Throws <see cref="IOException"/> naming a missing port.</summary>
    public static WanRelay Open(RelaySettings settings, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.Ports.Count, 2);
        var sockets = new List<PacketSocket>();
        try
        {
            foreach (var port in settings.Ports)
            {
                sockets.Add(PacketSocket.Open(port, RelaySettings.SocketBufferBytes));
            }
        }
        catch
        {
            sockets.ForEach(s => s.Dispose());
            throw;
        }

        return new WanRelay(settings, time, [.. sockets]);
    }

    /// <summary>
    /// Asks for SCHED_FIFO (priority <paramref name="priority"/>) for the calling thread, which must be the one that
    /// calls <see cref="Run"/>. False (and the loop runs at normal priority) where the kernel refuses.
    /// </summary>
    public bool TryEnableRealTime(int priority = 10)
    {
        RealTime = NativeMethods.SchedSetScheduler(0, NativeMethods.SchedFifo, ref priority) == 0;
        return RealTime;
    }

    /// <summary>Relays until cancelled, a port's interface is deleted, or the owner dies. Writes the stats file on the way out.</summary>
    public RelayExit Run(CancellationToken cancellationToken)
    {
        var polls = _sockets.Select(s => new NativeMethods.PollFd { Fd = s.Descriptor, Events = NativeMethods.PollIn }).ToArray();
        var frame = new byte[RelaySettings.MaxFrameBytes];
        var outPorts = new int[_sockets.Length];
        var nextHousekeeping = _time.GetTimestamp();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var timeout = ToTimeSpec(NextWait());
                if (NativeMethods.PPoll(polls, (nuint)polls.Length, ref timeout, 0) < 0 && Marshal.GetLastPInvokeError() != NativeMethods.EIntr)
                {
                    throw new IOException($"ppoll: {NativeMethods.LastError()}");
                }

                for (var port = 0; port < polls.Length; port++)
                {
                    var events = polls[port].REvents;
                    if ((events & (NativeMethods.PollErr | NativeMethods.PollHup | NativeMethods.PollNval)) != 0 && Gone(port))
                    {
                        return new RelayExit.InterfaceGone(_settings.Ports[port]);
                    }

                    if ((events & NativeMethods.PollIn) != 0)
                    {
                        ReadWaiting(port, frame);
                    }
                }

                ForwardDue(frame, outPorts);
                if (_time.GetTimestamp() >= nextHousekeeping)
                {
                    nextHousekeeping = _time.GetTimestamp() + (long)(RelaySettings.HousekeepingInterval.TotalSeconds * _time.TimestampFrequency);
                    WriteStats();
                    if (_settings.Owner is { } owner && !owner.IsAlive)
                    {
                        return new RelayExit.OwnerGone(owner);
                    }
                }
            }

            return new RelayExit.Stopped();
        }
        finally
        {
            WriteStats();
        }
    }

    /// <summary>The counters now (also what the stats file holds).</summary>
    public RelayStats Snapshot()
    {
        using var self = Process.GetCurrentProcess();
        return new RelayStats(
            Environment.ProcessId,
            _settings.OneWayDelay,
            _settings.QueueBytesPerPort,
            RealTime,
            self.TotalProcessorTime,
            _time.GetElapsedTime(_started),
            [.. _settings.Ports.Select((port, i) => _counters[i].ToStats(port, _lines[i]))]);
    }

    public void Dispose()
    {
        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }
    }

    private TimeSpan NextWait()
    {
        var wait = _maxWait;
        foreach (var line in _lines)
        {
            if (line.UntilNextDue() is { } due && due < wait)
            {
                wait = due;
            }
        }

        return wait;
    }

    private void ReadWaiting(int port, byte[] frame)
    {
        var counters = _counters[port];
        for (var i = 0; i < MaxFramesPerRead; i++)
        {
            int length;
            try
            {
                length = _sockets[port].Receive(frame);
            }
            catch (IOException)
            {
                // A pending socket error (the interface went down: a cut link) is reported once and cleared;
                // a deleted interface is noticed by Gone on the next poll.
                return;
            }

            if (length == 0)
            {
                return;
            }

            if (length > frame.Length)
            {
                counters.Truncated++;
                continue;
            }

            counters.FramesIn++;
            counters.BytesIn += length;
            _lines[port].TryEnqueue(frame.AsSpan(0, length));
        }
    }

    private void ForwardDue(byte[] frame, int[] outPorts)
    {
        for (var port = 0; port < _lines.Length; port++)
        {
            int length;
            while ((length = _lines[port].TryDequeueDue(frame)) > 0)
            {
                var targets = _switch.Route(frame.AsSpan(0, length), port, outPorts);
                for (var t = 0; t < targets; t++)
                {
                    var counters = _counters[outPorts[t]];
                    if (_sockets[outPorts[t]].TrySend(frame, length))
                    {
                        counters.FramesOut++;
                        counters.BytesOut += length;
                    }
                    else
                    {
                        counters.SendFailures++;
                    }
                }
            }
        }
    }

    private bool Gone(int port) => NativeMethods.IfNameToIndex(_settings.Ports[port]) == 0;

    private void WriteStats()
    {
        for (var i = 0; i < _sockets.Length; i++)
        {
            _counters[i].KernelDrops += _sockets[i].TakeKernelDrops();
        }

        try
        {
            LabStateStore.WriteAtomically(_settings.StatsPath, JsonSerializer.Serialize(Snapshot(), LabJson.Options));
        }
        catch (IOException)
        {
            // The state directory went away with the lab; the counters are only for status and experiments.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }

    private static NativeMethods.TimeSpec ToTimeSpec(TimeSpan wait)
    {
        var ticks = Math.Max(0, wait.Ticks);
        return new NativeMethods.TimeSpec
        {
            Seconds = ticks / TimeSpan.TicksPerSecond,
            Nanoseconds = ticks % TimeSpan.TicksPerSecond * 100,
        };
    }

    private sealed class Counters
    {
        public long FramesIn;
        public long BytesIn;
        public long FramesOut;
        public long BytesOut;
        public long SendFailures;
        public long Truncated;
        public long KernelDrops;

        public RelayPortStats ToStats(string port, DelayLine line) =>
            new(port, FramesIn, BytesIn, FramesOut, BytesOut, line.DroppedFrames, SendFailures, Truncated, KernelDrops, line.PeakQueuedBytes);
    }
}
