namespace Roost.Core.Migration.Stream;

/// <summary>Something a relay session asks its driver to do; sessions perform no I/O. Closed set: match on it.</summary>
public abstract record RelayOutput
{
    private RelayOutput()
    {
    }

    /// <summary>Write these bytes to the peer relay.</summary>
    public sealed record SendToPeer(byte[] Bytes) : RelayOutput;

    /// <summary>Write these bytes to the channel's QEMU (destination: the rebuilt stream; source: what the destination's QEMU returned, e.g. NBD replies).</summary>
    public sealed record DeliverToQemu(int Channel, byte[] Bytes) : RelayOutput;

    /// <summary>The channel's stream ended whole: close the write side of its QEMU connection (destination).</summary>
    public sealed record CloseQemu(int Channel) : RelayOutput;

    /// <summary>Both relays proved they hold the session secret: the source may start reading from QEMU.</summary>
    public sealed record Opened : RelayOutput;

    /// <summary>Every channel ended whole.</summary>
    public sealed record Completed : RelayOutput;

    /// <summary>The session is over without completing: close every connection (QEMU at the destination must not get more).</summary>
    public sealed record Failed(string Reason) : RelayOutput;
}
