using Roost.Core.Sharing;

namespace Roost.Core.Migration.Stream;

/// <summary>
/// What the destination's relay holds, kept identically at both ends (the source without the contents): the digest of
/// the last version of every page sent, per channel (a VM of the session), and the pages those digests name, each
/// counted by how many current pages have it, plus pinned pages (the destination's resident VMs). A page that no
/// current page has any more and is not pinned is dropped, so the store is bounded by the guests' sizes plus the
/// pins. Both ends apply the same records in the same order (one ordered connection), so the source knows exactly
/// which digests the destination can resolve.
/// </summary>
internal sealed class ContentIndex
{
    private readonly Dictionary<(int Channel, PageKey Key), PageDigest> _latest = [];
    private readonly Dictionary<PageDigest, Entry> _entries = [];
    private readonly PageSlab? _contents;

    public ContentIndex(bool keepContent)
    {
        _contents = keepContent ? new PageSlab() : null;
    }

    /// <summary>Distinct pages held.</summary>
    public int Count => _entries.Count;

    public bool Contains(PageDigest digest) => _entries.ContainsKey(digest);

    public bool IsPinned(PageDigest digest) => _entries.TryGetValue(digest, out var entry) && entry.Pinned;

    public bool TryGetLatest(int channel, PageKey key, out PageDigest digest) => _latest.TryGetValue((channel, key), out digest);

    /// <summary>The content of a held page (destination only); false when the digest is not held.</summary>
    public bool TryGetContent(PageDigest digest, out int slot)
    {
        slot = -1;
        if (_contents is null || !_entries.TryGetValue(digest, out var entry))
        {
            return false;
        }

        slot = entry.Slot;
        return true;
    }

    public ReadOnlySpan<byte> ContentAt(int slot) => _contents is null ? throw new InvalidOperationException("This index keeps no content.") : _contents[slot];

    /// <summary>Page <paramref name="key"/> of <paramref name="channel"/> now holds <paramref name="digest"/> (with <paramref name="content"/>).</summary>
    public void Record(int channel, PageKey key, PageDigest digest, ReadOnlySpan<byte> content)
    {
        if (_latest.TryGetValue((channel, key), out var previous))
        {
            if (previous == digest)
            {
                return;
            }

            Release(previous);
        }

        _latest[(channel, key)] = digest;
        if (_entries.TryGetValue(digest, out var entry))
        {
            entry.References++;
            _entries[digest] = entry;
        }
        else
        {
            _entries.Add(digest, new Entry(1, false, _contents?.Allocate(content) ?? -1));
        }
    }

    /// <summary>Holds <paramref name="digest"/> for the whole session; true when it was not held before.</summary>
    public bool Pin(PageDigest digest, ReadOnlySpan<byte> content)
    {
        if (_entries.TryGetValue(digest, out var entry))
        {
            var added = !entry.Pinned;
            entry.Pinned = true;
            _entries[digest] = entry;
            return added;
        }

        _entries.Add(digest, new Entry(0, true, _contents?.Allocate(content) ?? -1));
        return true;
    }

    private void Release(PageDigest digest)
    {
        var entry = _entries[digest];
        entry.References--;
        if (entry.References > 0 || entry.Pinned)
        {
            _entries[digest] = entry;
            return;
        }

        _entries.Remove(digest);
        if (_contents is not null)
        {
            _contents.Free(entry.Slot);
        }
    }

    private record struct Entry(int References, bool Pinned, int Slot);
}
