namespace Roost.Core.Migration.Stream;

/// <summary>A relay frame's header: its type, how its payload is compressed, its channel, its number in its direction, and both payload lengths.</summary>
public readonly record struct RelayFrameHeader(RelayFrameType Type, FrameCodec Codec, int Channel, uint Sequence, int PayloadLength, int DecodedLength);
