using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using Roost.Core.Sharing;

namespace Roost.Core.Migration.Stream;

/// <summary>
/// The destination's relay session, sans-I/O: answers the source's Hello with a Challenge, accepts data only after
/// the source's Proof, checks every frame (MAC, lengths, decompression to the stated length) and decodes it
/// (<see cref="RelayDecoder"/>) before a byte of it reaches QEMU, and tells the source the digests of pages pinned
/// from VMs resident here. A fault of any kind ends it in <see cref="RelayOutput.Failed"/>: the driver closes the
/// QEMU connections, whose QEMUs then fail to load a truncated stream (they never get a wrong byte).
/// </summary>
/// <remarks>Not thread-safe: one driver feeds it inputs one at a time.</remarks>
public sealed class RelayDestinationSession : IDisposable
{
    private const int MaxPinnedPerFrame = 64 * 1024;

    private readonly Dictionary<FrameCodec, IFrameCompressor> _decompressors;
    private readonly byte[] _authKey;
    private readonly byte[] _nonce;
    private readonly RelayDecoder _decoder;
    private readonly bool[] _ended;
    private readonly RelayLink _link;
    private readonly ArrayBufferWriter<byte> _output = new(RelayFraming.MaxDecodedBytes * 2);
    private readonly byte[] _decompressed = new byte[RelayFraming.MaxDecodedBytes];
    private readonly List<PageDigest> _unsentPins = [];
    private Phase _phase = Phase.AwaitingHello;
    private byte[] _sourceNonce = [];
    private int _endedCount;
    private long _delivered;

    public RelayDestinationSession(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> nonce, int channels, IEnumerable<IFrameCompressor> decompressors)
    {
        ArgumentNullException.ThrowIfNull(decompressors);
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(channels, ushort.MaxValue);
        RelaySecrets.CheckSecret(secret, nonce);
        _decompressors = decompressors.Append(new NoFrameCompression()).GroupBy(d => d.Codec).ToDictionary(g => g.Key, g => g.First());
        _authKey = RelaySecrets.AuthKey(secret);
        _nonce = nonce.ToArray();
        _decoder = new RelayDecoder(RelaySecrets.PageKey(secret));
        _link = new RelayLink("the source's relay", RelaySecrets.FrameKey(secret, towardsDestination: false), RelaySecrets.FrameKey(secret, towardsDestination: true));
        _ended = new bool[channels];
    }

    private enum Phase
    {
        AwaitingHello,
        AwaitingProof,
        Open,
        Completed,
    }

    public bool IsOver => _phase == Phase.Completed || _link.Failed;

    /// <summary>Whether every channel's stream ended whole.</summary>
    public bool IsCompleted => _phase == Phase.Completed && !_link.Failed;

    /// <summary>What this end saw: stream bytes handed to QEMU, frame bytes received (wire) and sent back (reverse).</summary>
    public RelayTraffic Traffic => new()
    {
        StreamBytes = _delivered,
        WireBytes = _link.ReceivedBytes,
        ReverseWireBytes = _link.SentBytes,
    };

    /// <summary>Pages pinned from resident VMs whose digests were new.</summary>
    public long PinnedPages { get; private set; }

    /// <summary>Distinct pages held (pinned and received).</summary>
    public int HeldPages => _decoder.HeldPages;

    /// <summary>Pins pages of a VM resident here (whole pages; zero pages are skipped); their digests reach the source once the session is open.</summary>
    public IReadOnlyList<RelayOutput> Pin(ReadOnlySpan<byte> pages)
    {
        var outputs = _link.Begin();
        for (var offset = 0; offset + QemuStreamFormat.PageSize <= pages.Length; offset += QemuStreamFormat.PageSize)
        {
            var page = pages.Slice(offset, QemuStreamFormat.PageSize);
            if (!PageHasher.IsZeroPage(page) && _decoder.Pin(page) is { } digest)
            {
                PinnedPages++;
                _unsentPins.Add(digest);
            }
        }

        SendPins();
        return outputs;
    }

    public IReadOnlyList<RelayOutput> FromPeer(ReadOnlySpan<byte> bytes)
    {
        var outputs = _link.Begin();
        if (IsOver)
        {
            return outputs;
        }

        _link.Receive(bytes, () => IsOver, OnFrame);
        return outputs;
    }

    /// <summary>The channel's QEMU wrote these bytes back (an NBD server's replies): they go to the source's relay unchanged, once the session is open.</summary>
    public IReadOnlyList<RelayOutput> FromQemu(int channel, ReadOnlySpan<byte> bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(channel);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(channel, _ended.Length);
        var outputs = _link.Begin();
        if (IsOver || _phase != Phase.Open)
        {
            return outputs;
        }

        for (var start = 0; start < bytes.Length; start += RelayFraming.MaxDecodedBytes)
        {
            _link.Send(RelayFrameType.Returned, channel, bytes.Slice(start, Math.Min(RelayFraming.MaxDecodedBytes, bytes.Length - start)));
        }

        return outputs;
    }

    /// <summary>The source's relay closed the connection (or it broke).</summary>
    public IReadOnlyList<RelayOutput> PeerClosed()
    {
        var outputs = _link.Begin();
        if (!IsOver)
        {
            _link.FailQuietly(_link.IsIdle
                ? "the source's relay closed the connection before every stream ended"
                : "the source's relay closed the connection in the middle of a frame");
        }

        return outputs;
    }

    public IReadOnlyList<RelayOutput> Abort(string reason)
    {
        var outputs = _link.Begin();
        if (!IsOver)
        {
            _link.Fail(reason);
        }

        return outputs;
    }

    public void Dispose() => _decoder.Dispose();

    private void OnFrame(RelayFrameHeader header, ReadOnlySpan<byte> payload)
    {
        switch (header.Type)
        {
            case RelayFrameType.Hello when _phase == Phase.AwaitingHello:
                OnHello(payload);
                break;
            case RelayFrameType.Proof when _phase == Phase.AwaitingProof:
                var expected = RelaySecrets.Mac(_authKey, "proof", _sourceNonce, _nonce);
                if (!CryptographicOperations.FixedTimeEquals(expected, payload))
                {
                    _link.Fail("the source's relay does not hold this migration's secret");
                    return;
                }

                _phase = Phase.Open;
                _link.Emit(new RelayOutput.Opened());
                SendPins();
                break;
            case RelayFrameType.Data when _phase == Phase.Open:
                OnData(header, payload);
                break;
            case RelayFrameType.End when _phase == Phase.Open && header.Channel < _ended.Length && !_ended[header.Channel] && payload.IsEmpty:
                _ended[header.Channel] = true;
                _link.Emit(new RelayOutput.CloseQemu(header.Channel));
                if (++_endedCount == _ended.Length)
                {
                    _phase = Phase.Completed;
                    _link.Emit(new RelayOutput.Completed());
                }

                break;
            default:
                _link.Fail(string.Create(CultureInfo.InvariantCulture, $"the source's relay sent an unexpected {header.Type} frame (channel {header.Channel}) while {_phase}"));
                break;
        }
    }

    private void OnHello(ReadOnlySpan<byte> payload)
    {
        if (payload.Length != 2 + RelaySecrets.NonceBytes || BinaryPrimitives.ReadUInt16BigEndian(payload) != RelayFraming.ProtocolVersion)
        {
            _link.Fail("the source's relay sent a malformed hello or speaks another protocol version");
            return;
        }

        _sourceNonce = payload[2..].ToArray();
        Span<byte> challenge = stackalloc byte[2 + RelaySecrets.NonceBytes + RelaySecrets.MacBytes];
        BinaryPrimitives.WriteUInt16BigEndian(challenge, RelayFraming.ProtocolVersion);
        _nonce.CopyTo(challenge[2..]);
        RelaySecrets.Mac(_authKey, "challenge", _sourceNonce, _nonce).CopyTo(challenge[(2 + RelaySecrets.NonceBytes)..]);
        _link.Send(RelayFrameType.Challenge, 0, challenge);
        _phase = Phase.AwaitingProof;
    }

    private void OnData(RelayFrameHeader header, ReadOnlySpan<byte> payload)
    {
        if (header.Channel >= _ended.Length || _ended[header.Channel])
        {
            _link.Fail(string.Create(CultureInfo.InvariantCulture, $"the source's relay sent data for channel {header.Channel}, which is not open"));
            return;
        }

        var items = payload;
        if (header.Codec != FrameCodec.None)
        {
            var target = _decompressed.AsSpan(0, header.DecodedLength);
            if (!_decompressors.TryGetValue(header.Codec, out var decompressor) || !decompressor.TryDecompress(payload, target))
            {
                _link.Fail($"a {header.Codec} frame does not decompress to its stated {header.DecodedLength} bytes");
                return;
            }

            items = target;
        }
        else if (header.DecodedLength != payload.Length)
        {
            _link.Fail("an uncompressed frame states another length");
            return;
        }

        _output.ResetWrittenCount();
        if (!_decoder.TryDecode(header.Channel, items, _output, out var error))
        {
            _link.Fail(error);
            return;
        }

        if (_output.WrittenCount > 0)
        {
            _delivered += _output.WrittenCount;
            _link.Emit(new RelayOutput.DeliverToQemu(header.Channel, _output.WrittenSpan.ToArray()));
        }
    }

    private void SendPins()
    {
        if (_phase != Phase.Open)
        {
            return;
        }

        for (var start = 0; start < _unsentPins.Count; start += MaxPinnedPerFrame)
        {
            var count = Math.Min(MaxPinnedPerFrame, _unsentPins.Count - start);
            var payload = new byte[count * PageDigest.SizeBytes];
            for (var i = 0; i < count; i++)
            {
                _unsentPins[start + i].WriteTo(payload.AsSpan(i * PageDigest.SizeBytes));
            }

            _link.Send(RelayFrameType.Pinned, 0, payload);
        }

        _unsentPins.Clear();
    }
}
