using Roost.Bft.Messages;

namespace Roost.Bft;

/// <summary>Something that happens to a node. Closed set: the host delivers exactly these.</summary>
public abstract record Input
{
    private Input()
    {
    }

    /// <summary>The node (re)starts: arm timers. Delivered once at boot and after every restart.</summary>
    public sealed record Start : Input;

    /// <summary>A message arrived from <paramref name="From"/>; the transport has authenticated the sender.</summary>
    public sealed record Receive(NodeId From, Message Message) : Input;

    /// <summary>A timer set with <see cref="Output.SetTimer"/> is due.</summary>
    public sealed record TimerExpired(TimerKind Kind) : Input;

    /// <summary>Client only: issue this operation as the next request.</summary>
    public sealed record Submit(byte[] Operation) : Input;
}
