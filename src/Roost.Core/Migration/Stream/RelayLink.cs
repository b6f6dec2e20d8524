using System.Buffers;
using System.Text;

namespace Roost.Core.Migration.Stream;

/// <summary>
/// One relay session's end of the connection, shared by both sessions: frames out (numbered, counted), frames in
/// (whole, in sequence, checked), the outputs of the input being handled, and the way out (an Abort frame to the
/// peer and <see cref="RelayOutput.Failed"/>).
/// </summary>
/// <param name="peer">The peer as failure lines name it.</param>
/// <param name="sendKey">The MAC key of the frames this end sends.</param>
/// <param name="receiveKey">The MAC key of the frames the peer sends.</param>
internal sealed class RelayLink(string peer, byte[] sendKey, byte[] receiveKey)
{
    private const int MaxReasonChars = 1000;

    private readonly RelayFrameBuffer _incoming = new(receiveKey);
    private readonly ArrayBufferWriter<byte> _wire = new(64 * 1024);
    private List<RelayOutput> _outputs = [];
    private uint _sent;

    public delegate void FrameHandler(RelayFrameHeader header, ReadOnlySpan<byte> payload);

    /// <summary>True once the session failed (either end gave up).</summary>
    public bool Failed { get; private set; }

    /// <summary>True when no partial frame from the peer is waiting.</summary>
    public bool IsIdle => _incoming.IsEmpty;

    public long SentBytes { get; private set; }

    public long SentFrames { get; private set; }

    public long ReceivedBytes { get; private set; }

    /// <summary>Starts handling a new input: the outputs collected until the next call.</summary>
    public List<RelayOutput> Begin() => _outputs = [];

    public void Emit(RelayOutput output) => _outputs.Add(output);

    /// <summary>Takes bytes from the peer and hands each whole frame to <paramref name="onFrame"/> while the session lasts.</summary>
    public void Receive(ReadOnlySpan<byte> bytes, Func<bool> isOver, FrameHandler onFrame)
    {
        ReceivedBytes += bytes.Length;
        _incoming.Append(bytes);
        while (!isOver())
        {
            var read = _incoming.Next(out var header, out var payload, out var error);
            if (read == FrameRead.NeedMore)
            {
                return;
            }

            if (read == FrameRead.Corrupt)
            {
                Fail($"from {peer}: {error}");
                return;
            }

            if (header.Type == RelayFrameType.Abort)
            {
                FailQuietly($"{peer} aborted: {Reason(payload)}");
                return;
            }

            onFrame(header, payload);
        }
    }

    public void Send(RelayFrameType type, int channel, ReadOnlySpan<byte> payload, FrameCodec codec = FrameCodec.None, int decoded = -1)
    {
        RelayFraming.Write(_wire, sendKey, type, codec, channel, _sent++, payload, decoded < 0 ? payload.Length : decoded);
        _outputs.Add(new RelayOutput.SendToPeer(_wire.WrittenSpan.ToArray()));
        SentBytes += _wire.WrittenCount;
        SentFrames++;
        _wire.ResetWrittenCount();
    }

    /// <summary>Tells the peer why (an Abort frame) and ends the session.</summary>
    public void Fail(string reason)
    {
        Send(RelayFrameType.Abort, 0, Encoding.UTF8.GetBytes(reason.Length > MaxReasonChars ? reason[..MaxReasonChars] : reason));
        FailQuietly(reason);
    }

    /// <summary>Ends the session without telling the peer (it is gone or it ended it).</summary>
    public void FailQuietly(string reason)
    {
        Failed = true;
        _outputs.Add(new RelayOutput.Failed(reason));
    }

    /// <summary>A peer's abort reason, bounded and with control characters shown as '?'.</summary>
    private static string Reason(ReadOnlySpan<byte> payload)
    {
        var text = Encoding.UTF8.GetString(payload[..Math.Min(payload.Length, MaxReasonChars)]);
        return new string([.. text.Select(c => char.IsControl(c) ? '?' : c)]);
    }
}
