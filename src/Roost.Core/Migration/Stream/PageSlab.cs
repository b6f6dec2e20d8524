namespace Roost.Core.Migration.Stream;

/// <summary>Page-sized slots carved from 4 MiB arrays, reused through a free list: page caches without an object per page.</summary>
internal sealed class PageSlab
{
    private const int PagesPerChunk = 1024;
    private readonly List<byte[]> _chunks = [];
    private readonly Stack<int> _free = [];
    private int _next;

    public int Allocated => _next - _free.Count;

    public Span<byte> this[int slot] => _chunks[slot / PagesPerChunk].AsSpan(slot % PagesPerChunk * QemuStreamFormat.PageSize, QemuStreamFormat.PageSize);

    public int Allocate(ReadOnlySpan<byte> content)
    {
        if (!_free.TryPop(out var slot))
        {
            slot = _next++;
            if (slot / PagesPerChunk == _chunks.Count)
            {
                _chunks.Add(new byte[PagesPerChunk * QemuStreamFormat.PageSize]);
            }
        }

        content.CopyTo(this[slot]);
        return slot;
    }

    public void Free(int slot) => _free.Push(slot);
}
