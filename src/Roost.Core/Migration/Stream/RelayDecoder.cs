using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Roost.Core.Sharing;

namespace Roost.Core.Migration.Stream;

/// <summary>
/// The destination relay's page codec: turns relay items back into QEMU's stream, byte for byte. Every page it
/// rebuilds is hashed under the session key and recorded in its <see cref="ContentIndex"/> exactly as the encoder
/// recorded it. A reference to a digest it does not hold, a delta without a base or whose result does not match its
/// digest, or a malformed item is an error: the session must abort (the destination's QEMU never gets a wrong page).
/// </summary>
/// <remarks>Not thread-safe: one relay session drives it.</remarks>
public sealed class RelayDecoder : IDisposable
{
    private const int PageSize = QemuStreamFormat.PageSize;
    // A QEMU RAM record's header (8 to 264 bytes), or none for an NBD write's blocks after the first (their request header goes raw).
    private const int MaxHeaderBytes = 8 + 1 + 255;

    private readonly KeyedPageHasher _hasher;
    private readonly ContentIndex _index = new(keepContent: true);
    private readonly byte[] _page = new byte[PageSize];

    public RelayDecoder(ReadOnlySpan<byte> pageKey)
    {
        _hasher = new KeyedPageHasher(pageKey);
    }

    /// <summary>Distinct pages held.</summary>
    public int HeldPages => _index.Count;

    /// <summary>Holds <paramref name="page"/> for the session (a page of a VM resident here); returns its digest, or null when it was held already.</summary>
    public PageDigest? Pin(ReadOnlySpan<byte> page)
    {
        if (page.Length != PageSize)
        {
            throw new ArgumentException($"A page has {PageSize} bytes, got {page.Length}.", nameof(page));
        }

        var digest = _hasher.Hash(page);
        return _index.Pin(digest, page) ? digest : null;
    }

    /// <summary>Decodes one frame payload of <paramref name="channel"/> into <paramref name="output"/>; false with one line when it is not valid.</summary>
    public bool TryDecode(int channel, ReadOnlySpan<byte> payload, IBufferWriter<byte> output, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(output);
        var read = 0;
        while (read < payload.Length)
        {
            var at = read;
            var item = (RelayItem)payload[read++];
            if (item == RelayItem.Raw)
            {
                if (!Leb128.TryRead(payload, ref read, out var length) || length > (ulong)(payload.Length - read))
                {
                    return Fail(at, "a raw item's length runs past the frame", out error);
                }

                output.Write(payload.Slice(read, (int)length));
                read += (int)length;
                continue;
            }

            if (item is not (RelayItem.Full or RelayItem.Reference or RelayItem.Delta))
            {
                return Fail(at, string.Create(CultureInfo.InvariantCulture, $"unknown item type {(int)item}"), out error);
            }

            if (!Leb128.TryRead(payload, ref read, out var headerLength) || headerLength > MaxHeaderBytes
                || headerLength > (ulong)(payload.Length - read))
            {
                return Fail(at, "a page item's record header is malformed", out error);
            }

            var header = payload.Slice(read, (int)headerLength);
            read += (int)headerLength;
            if (!Leb128.TryRead(payload, ref read, out var block) || block > int.MaxValue
                || !Leb128.TryRead(payload, ref read, out var page) || page > long.MaxValue >> QemuStreamFormat.PageBits)
            {
                return Fail(at, "a page item's key is malformed", out error);
            }

            var key = new PageKey((int)block, (long)page);
            if (!TryPage(item, channel, key, payload, ref read, out var digest, out var problem))
            {
                return Fail(at, problem, out error);
            }

            output.Write(header);
            output.Write(_page);
            _index.Record(channel, key, digest, _page);
        }

        error = null;
        return true;
    }

    public void Dispose() => _hasher.Dispose();

    /// <summary>Rebuilds the page of one page item into <see cref="_page"/>.</summary>
    private bool TryPage(RelayItem item, int channel, PageKey key, ReadOnlySpan<byte> payload, ref int read, out PageDigest digest, out string problem)
    {
        problem = "";
        digest = default;
        switch (item)
        {
            case RelayItem.Full:
                if (payload.Length - read < PageSize)
                {
                    problem = "a whole page runs past the frame";
                    return false;
                }

                payload.Slice(read, PageSize).CopyTo(_page);
                read += PageSize;
                digest = _hasher.Hash(_page);
                return true;
            case RelayItem.Reference:
                if (payload.Length - read < PageDigest.SizeBytes)
                {
                    problem = "a page reference runs past the frame";
                    return false;
                }

                digest = PageDigest.ReadFrom(payload.Slice(read, PageDigest.SizeBytes));
                read += PageDigest.SizeBytes;
                if (!_index.TryGetContent(digest, out var slot))
                {
                    problem = $"a reference to page digest {digest.Value:x32}, which this end does not hold";
                    return false;
                }

                _index.ContentAt(slot).CopyTo(_page);
                return true;
            default:
                if (payload.Length - read < 8)
                {
                    problem = "a delta runs past the frame";
                    return false;
                }

                var check = BinaryPrimitives.ReadUInt64BigEndian(payload[read..]);
                read += 8;
                if (!Leb128.TryRead(payload, ref read, out var length) || length > (ulong)(payload.Length - read))
                {
                    problem = "a delta's length runs past the frame";
                    return false;
                }

                if (!_index.TryGetLatest(channel, key, out var baseDigest) || !_index.TryGetContent(baseDigest, out var baseSlot))
                {
                    problem = $"a delta for page {key.Page} of block {key.Block}, which was never sent whole";
                    return false;
                }

                if (!XorDelta.TryDecode(payload.Slice(read, (int)length), _index.ContentAt(baseSlot), _page))
                {
                    problem = "a malformed delta";
                    return false;
                }

                read += (int)length;
                digest = _hasher.Hash(_page);
                if ((ulong)(digest.Value & ulong.MaxValue) != check)
                {
                    problem = $"page {key.Page} of block {key.Block} rebuilt from its delta does not match its digest";
                    return false;
                }

                return true;
        }
    }

    private static bool Fail(int offset, string problem, out string error)
    {
        error = string.Create(CultureInfo.InvariantCulture, $"relay payload at byte {offset}: {problem}");
        return false;
    }
}
