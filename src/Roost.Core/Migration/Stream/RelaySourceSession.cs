using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using Roost.Core.Sharing;

namespace Roost.Core.Migration.Stream;

/// <summary>
/// The source's relay session, sans-I/O: the handshake (Hello, check the destination's Challenge, Proof), then each
/// channel's QEMU stream parsed, encoded (<see cref="RelayEncoder"/>), cut into frames, compressed and sent; digests
/// the destination pins are learnt as they arrive. Any fault ends it in <see cref="RelayOutput.Failed"/>, after
/// which it does nothing more.
/// </summary>
/// <remarks>Not thread-safe: one driver feeds it inputs one at a time.</remarks>
public sealed class RelaySourceSession : IDisposable
{
    private readonly RelayCodecOptions _options;
    private readonly IFrameCompressor _compressor;
    private readonly byte[] _authKey;
    private readonly byte[] _nonce;
    private readonly RelayEncoder _encoder;
    private readonly Channel[] _channels;
    private readonly RelayLink _link;
    private readonly byte[] _payload = new byte[RelayFraming.MaxDecodedBytes];
    private readonly byte[] _compressed = new byte[RelayFraming.MaxPayloadBytes];
    private Phase _phase = Phase.Idle;
    private long _compressedFrames;
    private int _ended;

    /// <summary>A session of <paramref name="channels"/> streams; <paramref name="parsers"/> gives each channel's parser (default: QEMU's migration stream, <see cref="StreamParser"/>).</summary>
    public RelaySourceSession(RelayCodecOptions options, ReadOnlySpan<byte> secret, ReadOnlySpan<byte> nonce, int channels, IFrameCompressor compressor, Func<int, IRelayStreamParser>? parsers = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(compressor);
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(channels, ushort.MaxValue);
        RelaySecrets.CheckSecret(secret, nonce);
        if (compressor.Codec != options.Compression && compressor.Codec != FrameCodec.None)
        {
            throw new ArgumentException($"The compressor is {compressor.Codec}, the options ask for {options.Compression}.", nameof(compressor));
        }

        _options = options;
        _compressor = compressor;
        _authKey = RelaySecrets.AuthKey(secret);
        _nonce = nonce.ToArray();
        _encoder = new RelayEncoder(options, RelaySecrets.PageKey(secret));
        _link = new RelayLink("the destination's relay", RelaySecrets.FrameKey(secret, towardsDestination: true), RelaySecrets.FrameKey(secret, towardsDestination: false));
        _channels = [.. Enumerable.Range(0, channels).Select(c => new Channel(parsers?.Invoke(c) ?? new StreamParser()))];
    }

    private enum Phase
    {
        Idle,
        AwaitingChallenge,
        Open,
        Completed,
    }

    /// <summary>True once the destination proved it holds the secret and until the session ends: QEMU's bytes are accepted.</summary>
    public bool IsOpen => _phase == Phase.Open && !_link.Failed;

    public bool IsOver => _phase == Phase.Completed || _link.Failed;

    /// <summary>Whether every channel's stream was framed and sent, without a failure.</summary>
    public bool IsCompleted => _phase == Phase.Completed && !_link.Failed;

    /// <summary>The channel's parser (what it understood of the stream).</summary>
    public IRelayStreamParser Parser(int channel) => _channels[channel].Parser;

    public RelayTraffic Traffic => _encoder.Traffic with
    {
        WireBytes = _link.SentBytes,
        ReverseWireBytes = _link.ReceivedBytes,
        Frames = _link.SentFrames,
        CompressedFrames = _compressedFrames,
    };

    /// <summary>Begins the handshake.</summary>
    public IReadOnlyList<RelayOutput> Start()
    {
        var outputs = _link.Begin();
        if (_phase == Phase.Idle && !_link.Failed)
        {
            _phase = Phase.AwaitingChallenge;
            Span<byte> hello = stackalloc byte[2 + RelaySecrets.NonceBytes];
            BinaryPrimitives.WriteUInt16BigEndian(hello, RelayFraming.ProtocolVersion);
            _nonce.CopyTo(hello[2..]);
            _link.Send(RelayFrameType.Hello, 0, hello);
        }

        return outputs;
    }

    /// <summary>Bytes arrived from the destination's relay.</summary>
    public IReadOnlyList<RelayOutput> FromPeer(ReadOnlySpan<byte> bytes)
    {
        var outputs = _link.Begin();
        if (!IsOver)
        {
            _link.Receive(bytes, () => IsOver, OnFrame);
        }

        return outputs;
    }

    /// <summary>The channel's QEMU wrote these bytes (only while <see cref="IsOpen"/>).</summary>
    public IReadOnlyList<RelayOutput> FromQemu(int channel, ReadOnlySpan<byte> bytes)
    {
        var outputs = _link.Begin();
        if (!IsOpen)
        {
            return outputs;
        }

        var state = _channels[channel];
        if (state.Ended)
        {
            throw new InvalidOperationException($"Channel {channel} already ended.");
        }

        state.Pending.Write(bytes);
        var all = state.Pending.WrittenSpan;
        var position = 0;
        var window = _options.FrameKiB * 1024;
        _encoder.Channel = channel;
        while (position < all.Length)
        {
            var consumed = state.Parser.Parse(all.Slice(position, Math.Min(window, all.Length - position)), _encoder);
            if (consumed == 0)
            {
                break;
            }

            position += consumed;
            SendData(channel);
        }

        var leftover = all[position..].ToArray();
        state.Pending.ResetWrittenCount();
        state.Pending.Write(leftover);
        return outputs;
    }

    /// <summary>The channel's QEMU closed its connection: the stream ended (whole or not: the destination's QEMU judges).</summary>
    public IReadOnlyList<RelayOutput> QemuEnded(int channel)
    {
        var outputs = _link.Begin();
        var state = _channels[channel];
        if (!IsOpen || state.Ended)
        {
            return outputs;
        }

        _encoder.Channel = channel;
        state.Parser.Finish(state.Pending.WrittenSpan, _encoder);
        state.Pending.ResetWrittenCount();
        SendData(channel);
        _link.Send(RelayFrameType.End, channel, []);
        state.Ended = true;
        if (++_ended == _channels.Length)
        {
            _phase = Phase.Completed;
            _link.Emit(new RelayOutput.Completed());
        }

        return outputs;
    }

    /// <summary>The driver gives up (a QEMU or socket failed, a deadline passed): tell the peer, end the session.</summary>
    public IReadOnlyList<RelayOutput> Abort(string reason)
    {
        var outputs = _link.Begin();
        if (!IsOver)
        {
            _link.Fail(reason);
        }

        return outputs;
    }

    /// <summary>The destination's relay closed the connection.</summary>
    public IReadOnlyList<RelayOutput> PeerClosed()
    {
        var outputs = _link.Begin();
        if (!IsOver)
        {
            _link.FailQuietly("the destination's relay closed the connection");
        }

        return outputs;
    }

    public void Dispose() => _encoder.Dispose();

    private void OnFrame(RelayFrameHeader header, ReadOnlySpan<byte> payload)
    {
        switch (header.Type)
        {
            case RelayFrameType.Challenge when _phase == Phase.AwaitingChallenge:
                OnChallenge(payload);
                break;
            case RelayFrameType.Pinned when _phase is Phase.Open or Phase.Completed && header.Codec == FrameCodec.None && payload.Length % PageDigest.SizeBytes == 0:
                for (var i = 0; i < payload.Length; i += PageDigest.SizeBytes)
                {
                    _encoder.AddPinned(PageDigest.ReadFrom(payload.Slice(i, PageDigest.SizeBytes)));
                }

                break;
            case RelayFrameType.Returned when _phase is Phase.Open or Phase.Completed && header.Codec == FrameCodec.None && header.Channel < _channels.Length:
                _link.Emit(new RelayOutput.DeliverToQemu(header.Channel, payload.ToArray()));
                break;
            default:
                _link.Fail(string.Create(CultureInfo.InvariantCulture, $"the destination's relay sent an unexpected {header.Type} frame"));
                break;
        }
    }

    private void OnChallenge(ReadOnlySpan<byte> payload)
    {
        if (payload.Length != 2 + RelaySecrets.NonceBytes + RelaySecrets.MacBytes
            || BinaryPrimitives.ReadUInt16BigEndian(payload) != RelayFraming.ProtocolVersion)
        {
            _link.Fail("the destination's relay answered with a malformed challenge or another protocol version");
            return;
        }

        var destinationNonce = payload.Slice(2, RelaySecrets.NonceBytes);
        var expected = RelaySecrets.Mac(_authKey, "challenge", _nonce, destinationNonce);
        if (!CryptographicOperations.FixedTimeEquals(expected, payload[(2 + RelaySecrets.NonceBytes)..]))
        {
            _link.Fail("the destination's relay does not hold this migration's secret");
            return;
        }

        _link.Send(RelayFrameType.Proof, 0, RelaySecrets.Mac(_authKey, "proof", _nonce, destinationNonce));
        _phase = Phase.Open;
        _link.Emit(new RelayOutput.Opened());
    }

    private void SendData(int channel)
    {
        if (_encoder.PendingBytes == 0)
        {
            return;
        }

        var length = _encoder.TakePending(_payload);
        var payload = _payload.AsSpan(0, length);
        var compressed = _compressor.Codec == FrameCodec.None ? -1 : _compressor.Compress(payload, _compressed);
        if (compressed > 0 && compressed < length)
        {
            _compressedFrames++;
            _link.Send(RelayFrameType.Data, channel, _compressed.AsSpan(0, compressed), _compressor.Codec, length);
        }
        else
        {
            _link.Send(RelayFrameType.Data, channel, payload);
        }
    }

    private sealed class Channel(IRelayStreamParser parser)
    {
        public IRelayStreamParser Parser { get; } = parser;

        public ArrayBufferWriter<byte> Pending { get; } = new(64 * 1024);

        public bool Ended { get; set; }
    }
}
