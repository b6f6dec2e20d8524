using System.Collections.Immutable;
using Roost.Core.Model;

namespace Roost.Core.Recovery;

/// <summary>
/// PipeCloud's dependency counters: for each protected VM, the highest write sequence something depends on. A
/// packet may leave for an external client only once the backup has acknowledged every entry. Immutable.
/// </summary>
public sealed class DependencyVector
{
    private static readonly Comparer<VmId> _byId = Comparer<VmId>.Create((a, b) => a.Value.CompareTo(b.Value));

    private readonly ImmutableSortedDictionary<VmId, long> _entries;

    private DependencyVector(ImmutableSortedDictionary<VmId, long> entries)
    {
        _entries = entries;
    }

    public static DependencyVector Empty { get; } = new(ImmutableSortedDictionary.Create<VmId, long>(_byId));

    /// <summary>The entries in VM id order.</summary>
    public IEnumerable<KeyValuePair<VmId, long>> Entries => _entries;

    public long this[VmId vm] => _entries.GetValueOrDefault(vm);

    /// <summary>This vector with <paramref name="vm"/>'s entry raised to <paramref name="sequence"/> (never lowered).</summary>
    public DependencyVector Raise(VmId vm, long sequence) =>
        sequence > this[vm] ? new DependencyVector(_entries.SetItem(vm, sequence)) : this;

    /// <summary>The entry-wise maximum of the two.</summary>
    public DependencyVector Merge(DependencyVector other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var merged = this;
        foreach (var (vm, sequence) in other._entries)
        {
            merged = merged.Raise(vm, sequence);
        }

        return merged;
    }

    /// <summary>True when <paramref name="durable"/> reaches every entry.</summary>
    public bool IsCoveredBy(Func<VmId, long> durable)
    {
        ArgumentNullException.ThrowIfNull(durable);
        return _entries.All(e => durable(e.Key) >= e.Value);
    }

    public override string ToString() => "{" + string.Join(", ", _entries.Select(e => $"{e.Key}:{e.Value}")) + "}";
}
