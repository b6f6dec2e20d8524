using System.Net.Sockets;
using Roost.Core.Recovery;

namespace Roost.Hypervisor.Recovery;

/// <summary>
/// One TCP connection of the replication protocol: frames in (<see cref="ReadAsync"/>, one reader) and out
/// (<see cref="SendAsync"/>, one writer: the owning loop). Reading holds at most one frame
/// (<see cref="ReplicationFrameCodec.MaxFrameBytes"/>) beyond what was decoded; a bad frame ends the connection.
/// </summary>
public sealed class ReplicationConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly ReplicationFrameCodec _codec;
    private byte[] _buffer = new byte[64 * 1024];
    private int _filled;

    public ReplicationConnection(Socket socket, ReplicationFrameCodec codec)
    {
        ArgumentNullException.ThrowIfNull(socket);
        _socket = socket;
        _socket.NoDelay = true;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _codec = codec;
        Peer = socket.RemoteEndPoint?.ToString() ?? "?";
    }

    public string Peer { get; }

    /// <summary>Bytes of whole frames read and sent on this connection.</summary>
    public long BytesReceived { get; private set; }

    public long BytesSent { get; private set; }

    /// <summary>The next message, or null when the peer closed; an <see cref="InvalidDataException"/> (one line) for a bad frame.</summary>
    public async Task<ReplicationMessage?> ReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            switch (_codec.Decode(_buffer.AsSpan(0, _filled)))
            {
                case FrameResult.Frame frame:
                    _buffer.AsSpan(frame.Consumed, _filled - frame.Consumed).CopyTo(_buffer);
                    _filled -= frame.Consumed;
                    BytesReceived += frame.Consumed;
                    return frame.Message;
                case FrameResult.Invalid invalid:
                    throw new InvalidDataException($"replication peer {Peer}: {invalid.Reason}");
                default:
                    break;
            }

            if (_filled == _buffer.Length)
            {
                Array.Resize(ref _buffer, Math.Min(_buffer.Length * 2, ReplicationFrameCodec.MaxFrameBytes));
            }

            var read = await _stream.ReadAsync(_buffer.AsMemory(_filled), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return null;
            }

            _filled += read;
        }
    }

    public async Task SendAsync(IReadOnlyList<byte[]> frames, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(frames);
        var total = new byte[frames.Sum(f => f.Length)];
        var at = 0;
        foreach (var frame in frames)
        {
            frame.CopyTo(total, at);
            at += frame.Length;
        }

        await _stream.WriteAsync(total, cancellationToken).ConfigureAwait(false);
        BytesSent += total.Length;
    }

    public async ValueTask DisposeAsync() => await _stream.DisposeAsync().ConfigureAwait(false);
}
