using System.Buffers;
using System.Buffers.Binary;
using Roost.Core.Sharing;

namespace Roost.Core.Migration.Stream;

/// <summary>
/// The source relay's page codec: receives one or more parsed QEMU streams (<see cref="Channel"/> says whose the next
/// items are) and writes relay items (<see cref="RelayItem"/>) into a pending payload. Each page is hashed under the
/// session key; a page the destination holds goes as its digest, a re-sent page as a delta against its previous
/// version, any other page whole. Raw stream bytes are gathered into one item until a page item or
/// <see cref="TakePending"/>.
/// </summary>
/// <remarks>Not thread-safe: one relay session drives it. Equal inputs give equal payloads, byte for byte.</remarks>
public sealed class RelayEncoder : IStreamSink, IDisposable
{
    private const int PageSize = QemuStreamFormat.PageSize;
    private const int MaxItemOverhead = 1 + 5 + 264 + 5 + 10 + 8 + 5;

    private readonly RelayCodecOptions _options;
    private readonly KeyedPageHasher _hasher;
    private readonly ContentIndex _index = new(keepContent: false);
    private readonly DeltaBaseCache? _bases;
    private readonly ArrayBufferWriter<byte> _payload = new(64 * 1024);
    private readonly ArrayBufferWriter<byte> _raw = new(16 * 1024);
    private readonly byte[] _scratch = new byte[PageSize];
    private readonly byte[] _delta = new byte[PageSize + 64];
    private Counts _counts;

    public RelayEncoder(RelayCodecOptions options, ReadOnlySpan<byte> pageKey)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Validate() is { } invalid)
        {
            throw new ArgumentException(invalid, nameof(options));
        }

        _options = options;
        _hasher = new KeyedPageHasher(pageKey);
        _bases = options.Delta ? new DeltaBaseCache((int)Math.Min(int.MaxValue, (long)options.DeltaCacheMiB * 1024 * 1024 / PageSize)) : null;
    }

    /// <summary>The channel (VM stream of the session) the next items belong to.</summary>
    public int Channel { get; set; }

    /// <summary>Bytes of items waiting (raw bytes gathered included).</summary>
    public int PendingBytes => _payload.WrittenCount + _raw.WrittenCount;

    /// <summary>Distinct pages the destination holds, as far as this end knows.</summary>
    public int HeldPages => _index.Count;

    /// <summary>What was encoded so far (wire figures are the framing's: zero here).</summary>
    public RelayTraffic Traffic => new()
    {
        StreamBytes = _counts.Stream,
        StructureBytes = _counts.Structure,
        ZeroPages = _counts.ZeroPages,
        ZeroPageBytes = _counts.ZeroBytes,
        FullPages = _counts.FullPages,
        FullBytes = _counts.FullBytes,
        DeduplicatedPages = _counts.DedupPages,
        DeduplicatedBytes = _counts.DedupBytes,
        DeltaPages = _counts.DeltaPages,
        DeltaBytes = _counts.DeltaBytes,
        PinnedHits = _counts.PinnedHits,
        PayloadBytes = _counts.Payload,
    };

    /// <summary>The destination pinned this digest (a page of a resident VM): from now on such pages go as references.</summary>
    public void AddPinned(PageDigest digest) => _index.Pin(digest, default);

    public void Raw(ReadOnlySpan<byte> bytes, StreamChunkKind kind)
    {
        _raw.Write(bytes);
        if (kind == StreamChunkKind.ZeroPage)
        {
            _counts.ZeroPages++;
            _counts.ZeroBytes += bytes.Length;
        }
        else
        {
            _counts.Structure += bytes.Length;
        }

        _counts.Stream += bytes.Length;
    }

    public void Page(ReadOnlySpan<byte> header, PageKey key, ReadOnlySpan<byte> content)
    {
        FlushRaw();
        var digest = _hasher.Hash(content);
        var span = _payload.GetSpan(MaxItemOverhead + PageSize);
        var written = 1;
        Leb128.TryWrite(span, ref written, (ulong)header.Length);
        header.CopyTo(span[written..]);
        written += header.Length;
        Leb128.TryWrite(span, ref written, (ulong)key.Block);
        Leb128.TryWrite(span, ref written, (ulong)key.Page);
        _counts.Stream += header.Length + content.Length;
        if (_options.Deduplicate && _index.Contains(digest))
        {
            span[0] = (byte)RelayItem.Reference;
            digest.WriteTo(span[written..]);
            written += PageDigest.SizeBytes;
            _counts.DedupPages++;
            _counts.DedupBytes += written;
            _counts.PinnedHits += _index.IsPinned(digest) ? 1 : 0;
        }
        else if (TryDelta(key, content, span, ref written, digest))
        {
            span[0] = (byte)RelayItem.Delta;
            _counts.DeltaPages++;
            _counts.DeltaBytes += written;
        }
        else
        {
            span[0] = (byte)RelayItem.Full;
            content.CopyTo(span[written..]);
            written += PageSize;
            _counts.FullPages++;
            _counts.FullBytes += written;
        }

        _payload.Advance(written);
        _counts.Payload += written;
        _index.Record(Channel, key, digest, default);
        _bases?.Put(Channel, key, content);
    }

    /// <summary>Copies the pending payload into <paramref name="destination"/> (raw bytes gathered first closed as an item), then clears it; returns the length.</summary>
    public int TakePending(Span<byte> destination)
    {
        FlushRaw();
        var length = _payload.WrittenCount;
        _payload.WrittenSpan.CopyTo(destination);
        _payload.ResetWrittenCount();
        return length;
    }

    public void Dispose() => _hasher.Dispose();

    /// <summary>
    /// One Reference item on its own: what a party without the session key could put in a frame (it cannot compute the
    /// digest of any page the destination holds). Fault experiments forge frames with it (<c>roost relay tamper</c>);
    /// the destination must refuse them.
    /// </summary>
    public static byte[] ReferenceItem(ReadOnlySpan<byte> header, PageKey key, PageDigest digest)
    {
        var span = new byte[MaxItemOverhead + header.Length];
        var written = 1;
        span[0] = (byte)RelayItem.Reference;
        Leb128.TryWrite(span, ref written, (ulong)header.Length);
        header.CopyTo(span.AsSpan(written));
        written += header.Length;
        Leb128.TryWrite(span, ref written, (ulong)key.Block);
        Leb128.TryWrite(span, ref written, (ulong)key.Page);
        digest.WriteTo(span.AsSpan(written));
        return span[..(written + PageDigest.SizeBytes)];
    }

    private bool TryDelta(PageKey key, ReadOnlySpan<byte> content, Span<byte> span, ref int written, PageDigest digest)
    {
        if (_bases is null || !_bases.TryGet(Channel, key, out var slot))
        {
            return false;
        }

        var length = XorDelta.Encode(content, _bases.ContentAt(slot), _delta, _scratch);
        if (length < 0 || length > PageSize)
        {
            return false;
        }

        BinaryPrimitives.WriteUInt64BigEndian(span[written..], (ulong)(digest.Value & ulong.MaxValue));
        written += 8;
        Leb128.TryWrite(span, ref written, (ulong)length);
        _delta.AsSpan(0, length).CopyTo(span[written..]);
        written += length;
        return true;
    }

    private void FlushRaw()
    {
        if (_raw.WrittenCount == 0)
        {
            return;
        }

        var span = _payload.GetSpan(6 + _raw.WrittenCount);
        var written = 1;
        span[0] = (byte)RelayItem.Raw;
        Leb128.TryWrite(span, ref written, (ulong)_raw.WrittenCount);
        _raw.WrittenSpan.CopyTo(span[written..]);
        written += _raw.WrittenCount;
        _payload.Advance(written);
        _counts.Payload += written;
        _raw.ResetWrittenCount();
    }

    private struct Counts
    {
        public long Stream;
        public long Structure;
        public long ZeroPages;
        public long ZeroBytes;
        public long FullPages;
        public long FullBytes;
        public long DedupPages;
        public long DedupBytes;
        public long DeltaPages;
        public long DeltaBytes;
        public long PinnedHits;
        public long Payload;
    }
}
