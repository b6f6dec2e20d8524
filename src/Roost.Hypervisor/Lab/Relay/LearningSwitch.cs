using System.Buffers.Binary;

namespace Roost.Hypervisor.Lab.Relay;

/// <summary>
/// The relay's forwarding decision, without I/O: an Ethernet learning switch over the WAN's ports (one per site).
/// A frame's source MAC is learned on its input port; a unicast frame to a learned MAC goes to that port, anything
/// else (broadcast, multicast, unknown) to every other port. A MAC seen on a new port moves there at once, so an
/// address that migrates between sites (a guest's, after its announcement) is followed on its next frame.
/// </summary>
/// <remarks>
/// The table is bounded (<see cref="MaxEntries"/>); when full it is cleared and relearned, so a flood of forged
/// source addresses costs flooding, never memory. Not thread-safe: one owner (the relay's I/O loop).
/// </remarks>
public sealed class LearningSwitch
{
    public const int MaxEntries = 4096;

    private const int MacLength = 6;
    private const int HeaderLength = 14;

    private readonly Dictionary<ulong, int> _table = [];

    public LearningSwitch(int ports)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ports, 2);
        Ports = ports;
    }

    public int Ports { get; }

    public int LearnedAddresses => _table.Count;

    /// <summary>
    /// Learns the frame's source on <paramref name="inPort"/> and writes the ports it goes out of into
    /// <paramref name="outPorts"/> (at least <see cref="Ports"/> − 1 long), returning how many. A frame shorter than
    /// an Ethernet header goes nowhere.
    /// </summary>
    public int Route(ReadOnlySpan<byte> frame, int inPort, Span<int> outPorts)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(inPort);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(inPort, Ports);
        if (frame.Length < HeaderLength)
        {
            return 0;
        }

        var destination = frame[..MacLength];
        var source = frame.Slice(MacLength, MacLength);
        if (!IsGroup(source))
        {
            Learn(Key(source), inPort);
        }

        if (!IsGroup(destination) && _table.TryGetValue(Key(destination), out var port))
        {
            if (port == inPort)
            {
                return 0;
            }

            outPorts[0] = port;
            return 1;
        }

        var count = 0;
        for (var p = 0; p < Ports; p++)
        {
            if (p != inPort)
            {
                outPorts[count++] = p;
            }
        }

        return count;
    }

    private void Learn(ulong mac, int port)
    {
        if (_table.Count >= MaxEntries && !_table.ContainsKey(mac))
        {
            _table.Clear();
        }

        _table[mac] = port;
    }

    // The group bit (I/G) is the least significant bit of the first octet: broadcast and multicast.
    private static bool IsGroup(ReadOnlySpan<byte> mac) => (mac[0] & 1) != 0;

    private static ulong Key(ReadOnlySpan<byte> mac) =>
        ((ulong)BinaryPrimitives.ReadUInt16BigEndian(mac) << 32) | BinaryPrimitives.ReadUInt32BigEndian(mac[2..]);
}
