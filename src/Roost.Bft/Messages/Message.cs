namespace Roost.Bft.Messages;

/// <summary>
/// A protocol message. Every message has a wire encoding (<see cref="MessageCodec"/>); the sender's identity is not
/// part of it: the transport authenticates it (a MAC per pair of nodes) and passes it in <see cref="Input.Receive"/>.
/// </summary>
public abstract record Message
{
    internal abstract MessageType Type { get; }

    internal abstract void WriteBody(WireWriter writer);
}
