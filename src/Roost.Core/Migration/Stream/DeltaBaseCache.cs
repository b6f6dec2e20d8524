namespace Roost.Core.Migration.Stream;

/// <summary>
/// The source's copies of the last version sent of each page, the bases of XOR deltas, up to a capacity in pages;
/// the page least recently sent goes first. Only the source needs it: the destination's base is the page its
/// <see cref="ContentIndex"/> names, which it always holds, so eviction here need not be mirrored there.
/// </summary>
internal sealed class DeltaBaseCache
{
    private readonly Dictionary<(int Channel, PageKey Key), (int Slot, long Stamp)> _slots = [];
    private readonly Queue<((int Channel, PageKey Key) Page, long Stamp)> _order = new();
    private readonly PageSlab _contents = new();
    private readonly int _capacity;
    private long _stamp;

    public DeltaBaseCache(int capacityPages)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacityPages);
        _capacity = capacityPages;
    }

    public bool TryGet(int channel, PageKey key, out int slot)
    {
        var found = _slots.TryGetValue((channel, key), out var entry);
        slot = entry.Slot;
        return found;
    }

    public ReadOnlySpan<byte> ContentAt(int slot) => _contents[slot];

    public void Put(int channel, PageKey key, ReadOnlySpan<byte> content)
    {
        if (_capacity == 0)
        {
            return;
        }

        var page = (channel, key);
        var stamp = ++_stamp;
        if (_slots.TryGetValue(page, out var entry))
        {
            content.CopyTo(_contents[entry.Slot]);
            _slots[page] = (entry.Slot, stamp);
        }
        else
        {
            while (_slots.Count >= _capacity)
            {
                Evict();
            }

            _slots[page] = (_contents.Allocate(content), stamp);
        }

        _order.Enqueue((page, stamp));
        if (_order.Count > 4 * Math.Max(_slots.Count, 1024))
        {
            Compact();
        }
    }

    private void Evict()
    {
        while (_order.TryDequeue(out var oldest))
        {
            if (_slots.TryGetValue(oldest.Page, out var entry) && entry.Stamp == oldest.Stamp)
            {
                _slots.Remove(oldest.Page);
                _contents.Free(entry.Slot);
                return;
            }
        }
    }

    /// <summary>Drops queue entries superseded by a later send, keeping the order of the live ones.</summary>
    private void Compact()
    {
        var live = _order.Where(o => _slots.TryGetValue(o.Page, out var entry) && entry.Stamp == o.Stamp).ToList();
        _order.Clear();
        foreach (var item in live)
        {
            _order.Enqueue(item);
        }
    }
}
