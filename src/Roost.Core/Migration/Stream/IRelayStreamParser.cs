namespace Roost.Core.Migration.Stream;

/// <summary>
/// An incremental parser of one relay channel's byte stream (QEMU's migration stream, or an NBD client's requests):
/// whatever the input, the items it hands to the sink concatenate to the input, byte for byte.
/// </summary>
public interface IRelayStreamParser
{
    /// <summary>Parses as many whole items from the start of <paramref name="input"/> as it holds; returns the bytes consumed.</summary>
    int Parse(ReadOnlySpan<byte> input, IStreamSink sink);

    /// <summary>The stream ended: hands on what is left unparsed as it is.</summary>
    void Finish(ReadOnlySpan<byte> leftover, IStreamSink sink);
}
