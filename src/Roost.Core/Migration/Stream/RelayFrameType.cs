namespace Roost.Core.Migration.Stream;

/// <summary>The kinds of relay frame; the number is the one on the wire.</summary>
public enum RelayFrameType : byte
{
    /// <summary>Source → destination: protocol version and the source's nonce.</summary>
    Hello = 1,

    /// <summary>Destination → source: version, the destination's nonce and its proof of the session secret.</summary>
    Challenge = 2,

    /// <summary>Source → destination: the source's proof of the session secret.</summary>
    Proof = 3,

    /// <summary>Source → destination: relay items of one channel.</summary>
    Data = 16,

    /// <summary>Source → destination: the channel's QEMU stream ended (its source QEMU closed the connection).</summary>
    End = 17,

    /// <summary>Destination → source: bytes the channel's destination QEMU wrote back (an NBD server's replies), passed on unchanged.</summary>
    Returned = 18,

    /// <summary>Destination → source: digests of pages it holds for the session (pinned from resident VMs).</summary>
    Pinned = 32,

    /// <summary>Either way: the session is over, with a reason (UTF-8).</summary>
    Abort = 48,
}
