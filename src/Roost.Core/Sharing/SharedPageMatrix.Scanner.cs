using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Roost.Core.Sharing;

internal static partial class SharedPageMatrix
{
    /// <summary>
    /// Counts the pages of a contiguous range of hash buckets: rare pages pair by pair into <see cref="HolderCounts"/>
    /// (or <see cref="HostCounts"/>), popular pages as bit columns into <see cref="Columns"/>. Owned by one thread; reads
    /// the lists, never writes them.
    /// </summary>
    /// <remarks>
    /// <para>Buckets are taken <see cref="ChunkBuckets"/> at a time: the VM lists' and holder lists' entries of those
    /// buckets are copied out, grouped by bucket (<see cref="Regrouped"/>), so that each bucket's entries lie together
    /// and every list is read front to back once. Then, per bucket: (1) the VM entries enter a <see cref="PageTable"/>,
    /// giving each page its VM count dv and, when dv = 1, its owner; (2) every holder's entries (a holder is a host's
    /// list, or a resident VM's list, see <see cref="Holders"/>) are looked up, and each hit is filed without a branch
    /// as owned (a page of one VM) or shared (held by several VMs); a holder that is itself one of the VMs needs no
    /// lookup, its pages are the VM's; (3) owned pages are counted at once; shared pages get their host count dh and
    /// become bit columns when dv·dh reaches the threshold, else are counted pair by pair. A rare page that two holders
    /// of one host both hold is set aside and counted once per host.</para>
    /// <para>Hot loops avoid data-dependent branches (a hit and a miss are about equally likely, so a branch on it would
    /// be mispredicted half the time) and bounds checks (indices are in range by construction, as noted where they are
    /// skipped).</para>
    /// </remarks>
    private sealed class Scanner
    {
        /// <summary>Buckets whose entries are regrouped together.</summary>
        private const int ChunkBuckets = 64;

        // Codes per page: the owning VM (≥ 0) if one VM holds it, Shared if several do, Miss for the table's spare page.
        private const int Shared = -1;
        private const int Miss = -2;

        private readonly ExactFingerprint[] _vms;
        private readonly Holders _holders;
        private readonly ExactFingerprint[] _lists;
        private readonly int[] _aliasOf;
        private readonly int[] _memberOf;
        private readonly int _bucketBits;
        private readonly long _denseThreshold;
        private readonly Regrouped _vmEntries;
        private readonly Regrouped _holderEntries;
        private readonly int[] _ownedEnd;
        private readonly int[] _sharedEnd;
        private readonly PageTable _table = new();
        private readonly List<long> _deferred = [];
        private int[] _hostStamp = [];

        // One bucket's scratch, reused and grown as needed; per-page arrays have a spare entry at PageTable.None.
        private int[] _vmsOfPage = [];
        private int[] _code = [];
        private int[] _hostsOfPage = [];
        private int[] _holdersOfPage = [];
        private int[] _column = [];
        private int[] _entryPage = [];
        private int[] _owned = new int[1024];
        private int[] _shared = new int[1024];
        private int[] _vmListStart = [];
        private int[] _vmListFill = [];
        private int[] _vmList = [];

        public Scanner(ExactFingerprint[] vms, Holders holders, int bucketBits, long denseThreshold)
        {
            _vms = vms;
            _holders = holders;
            _lists = holders.Lists;
            _bucketBits = bucketBits;
            _denseThreshold = denseThreshold;
            _ownedEnd = new int[_lists.Length];
            _sharedEnd = new int[_lists.Length];
            HolderCounts = new int[vms.Length * _lists.Length];

            // A holder that is one of the VMs' lists (same object) is not looked up: its pages are that VM's.
            var vmIndex = new Dictionary<ExactFingerprint, int>(ReferenceEqualityComparer.Instance);
            for (var v = 0; v < vms.Length; v++)
            {
                vmIndex.TryAdd(vms[v], v);
            }

            _aliasOf = new int[_lists.Length];
            _memberOf = new int[_lists.Length];
            var scanned = new List<ExactFingerprint>();
            for (var r = 0; r < _lists.Length; r++)
            {
                _aliasOf[r] = vmIndex.TryGetValue(_lists[r], out var v) ? v : -1;
                _memberOf[r] = _aliasOf[r] >= 0 ? -1 : scanned.Count;
                if (_aliasOf[r] < 0)
                {
                    scanned.Add(_lists[r]);
                }
            }

            _vmEntries = new Regrouped(vms, bucketBits);
            _holderEntries = new Regrouped([.. scanned], bucketBits);
        }

        /// <summary>
        /// Rare pages' counts per holder, holder-major: <c>HolderCounts[r * V + v]</c>, for pages no two holders of one
        /// host both hold, so that a host's count is the sum over its holders.
        /// </summary>
        public int[] HolderCounts { get; }

        /// <summary>
        /// Rare pages held by several holders of one host, counted per host once (host-major, <c>[h * V + v]</c>);
        /// null until such a page is met.
        /// </summary>
        public int[]? HostCounts { get; private set; }

        /// <summary>Popular pages as bit columns, in the order they were met.</summary>
        public List<ColumnBlock> Columns { get; } = [];

        /// <summary>Counts buckets <paramref name="first"/> to <paramref name="end"/> - 1.</summary>
        public void Scan(int first, int end)
        {
            if (first >= end)
            {
                return;
            }

            _vmEntries.Start(first);
            _holderEntries.Start(first);
            for (var chunk = first; chunk < end; chunk += ChunkBuckets)
            {
                var buckets = Math.Min(ChunkBuckets, end - chunk);
                _vmEntries.Load(chunk, buckets);
                _holderEntries.Load(chunk, buckets);
                for (var k = 0; k < buckets; k++)
                {
                    ScanBucket(k);
                }
            }
        }

        /// <summary>Bucket <paramref name="k"/> of the loaded chunk.</summary>
        private void ScanBucket(int k)
        {
            var first = _vmEntries.BucketStart[k];
            var end = _vmEntries.BucketStart[k + 1];
            if (first == end)
            {
                return;
            }

            NumberVmPages(first, end);
            FileHolderPages(k, first);
            if (_holders.ShareHosts)
            {
                CountHoldersOfPages();
            }

            if (ClassifySharedPages(out var anySparse))
            {
                SetVmColumnBits(first, end);
            }

            if (anySparse)
            {
                ListVmsOfPages(first, end);
            }

            AddOwned();
            AddShared();
            if (_deferred.Count > 0)
            {
                AddDeferred();
            }
        }

        /// <summary>
        /// Enters the bucket's VM entries in the page table: numbers pages (<c>_entryPage</c>), counts their VMs, notes
        /// owners. The table's find-or-add is inlined by hand so the loop keeps its state in registers.
        /// </summary>
        private void NumberVmPages(int first, int end)
        {
            var entries = end - first;
            var table = _table;
            table.Reset(entries);
            Grow(ref _entryPage, entries);
            Grow(ref _vmsOfPage, entries + 1);
            Grow(ref _code, entries + 1);
            Grow(ref _hostsOfPage, entries + 1);
            Grow(ref _holdersOfPage, entries + 1);
            Grow(ref _column, entries + 1);
            ref var slots = ref MemoryMarshal.GetArrayDataReference(table.Slots);
            ref var vmsOfPage = ref MemoryMarshal.GetArrayDataReference(_vmsOfPage);
            ref var code = ref MemoryMarshal.GetArrayDataReference(_code);
            ref var entryPage = ref MemoryMarshal.GetArrayDataReference(_entryPage);
            var hashes = _vmEntries.Hashes.AsSpan(first, entries);
            var vms = _vmEntries.Owner.AsSpan(first, entries);
            var shift = table.Shift;
            var stamp = table.Stamp;
            var pages = 0;
            unchecked
            {
                for (var e = 0; e < hashes.Length; e++)
                {
                    // Slots are < 2^(64 - shift) and pages < entries ≤ the per-page arrays' length, so the unchecked
                    // accesses stay in bounds. The slot found is unused or holds the hash; fill it either way.
                    var hash = hashes[e];
                    var index = PageTable.HomeSlot(hash, shift);
                    ref var slot = ref Unsafe.Add(ref slots, index);
                    if ((slot.Key != hash) & (slot.Stamp == stamp))
                    {
                        slot = ref Unsafe.Add(ref slots, table.SlotBeyond(index, hash));
                    }

                    var added = slot.Stamp != stamp ? 1 : 0;
                    var page = slot.Page + ((pages - slot.Page) & -added);
                    slot = new PageTable.Slot(hash, page, stamp);
                    pages += added;
                    ref var vmCount = ref Unsafe.Add(ref vmsOfPage, page);
                    vmCount = (vmCount & (added - 1)) + 1;
                    Unsafe.Add(ref code, page) = (vms[e] & -added) | (added - 1);
                    Unsafe.Add(ref entryPage, e) = page;
                }
            }

            table.Pages = pages;
            _vmsOfPage[table.None] = 0;
            _code[table.None] = Miss;
            Array.Clear(_hostsOfPage, 0, pages);
            Array.Clear(_holdersOfPage, 0, pages);
        }

        /// <summary>
        /// Files every holder's pages of bucket <paramref name="k"/>, holder by holder: each hit as owned (held by one VM)
        /// or shared (by several); a miss (a page no VM holds) files nothing. Holder r's filings end at
        /// <c>_ownedEnd[r]</c>, <c>_sharedEnd[r]</c>.
        /// </summary>
        private void FileHolderPages(int k, int vmFirst)
        {
            var owned = 0;
            var shared = 0;
            for (var r = 0; r < _lists.Length; r++)
            {
                var alias = _aliasOf[r];
                var (start, length) = alias >= 0 ? _vmEntries.Run(alias, k) : _holderEntries.Run(_memberOf[r], k);
                if (_owned.Length - owned < length || _shared.Length - shared < length)
                {
                    Array.Resize(ref _owned, Math.Max(2 * _owned.Length, owned + length));
                    Array.Resize(ref _shared, Math.Max(2 * _shared.Length, shared + length));
                }

                if (alias >= 0)
                {
                    FileKnownPages(_entryPage.AsSpan(start - vmFirst, length), ref owned, ref shared);
                }
                else
                {
                    FileLookedUpPages(_holderEntries.Hashes.AsSpan(start, length), ref owned, ref shared);
                }

                _ownedEnd[r] = owned;
                _sharedEnd[r] = shared;
            }
        }

        /// <summary>Files the pages of a holder that is one of the VMs (pages already numbered).</summary>
        private void FileKnownPages(ReadOnlySpan<int> pages, ref int ownedCount, ref int sharedCount)
        {
            ref var code = ref MemoryMarshal.GetArrayDataReference(_code);
            ref var ownedBuffer = ref MemoryMarshal.GetArrayDataReference(_owned);
            ref var sharedBuffer = ref MemoryMarshal.GetArrayDataReference(_shared);
            var owned = ownedCount;
            var shared = sharedCount;
            unchecked
            {
                foreach (var page in pages)
                {
                    // The caller left room for one filing per page; pages are < the per-page arrays' length.
                    var pageCode = Unsafe.Add(ref code, page);
                    Unsafe.Add(ref ownedBuffer, owned) = page;
                    Unsafe.Add(ref sharedBuffer, shared) = page;
                    owned += (int)(~(uint)pageCode >> 31);
                    shared += pageCode == Shared ? 1 : 0;
                }
            }

            ownedCount = owned;
            sharedCount = shared;
        }

        /// <summary>
        /// Looks up and files the hashes of a holder's run. The table lookup is inlined by hand so the loop keeps its
        /// state in registers; both filings are written every time and only the one that applies advances.
        /// </summary>
        private void FileLookedUpPages(ReadOnlySpan<ulong> run, ref int ownedCount, ref int sharedCount)
        {
            var table = _table;
            var shift = table.Shift;
            var none = table.None;
            var stamp = table.Stamp;
            ref var slots = ref MemoryMarshal.GetArrayDataReference(table.Slots);
            ref var code = ref MemoryMarshal.GetArrayDataReference(_code);
            ref var ownedBuffer = ref MemoryMarshal.GetArrayDataReference(_owned);
            ref var sharedBuffer = ref MemoryMarshal.GetArrayDataReference(_shared);
            var owned = ownedCount;
            var shared = sharedCount;
            unchecked
            {
                foreach (var hash in run)
                {
                    // Slots are < 2^(64 - shift), pages ≤ None < the per-page arrays' length, and the caller left room
                    // for one filing per hash, so the unchecked accesses stay in bounds.
                    var index = PageTable.HomeSlot(hash, shift);
                    var slot = Unsafe.Add(ref slots, index);
                    var inUse = slot.Stamp == stamp;
                    if ((slot.Key != hash) & inUse)
                    {
                        slot = Unsafe.Add(ref slots, table.SlotBeyond(index, hash));
                        inUse = slot.Stamp == stamp;
                    }

                    // The slot holds the hash or is unused: its page, or None, without a branch.
                    var page = none + ((slot.Page - none) & -(inUse ? 1 : 0));
                    var pageCode = Unsafe.Add(ref code, page);
                    Unsafe.Add(ref ownedBuffer, owned) = page;
                    Unsafe.Add(ref sharedBuffer, shared) = page;
                    owned += (int)(~(uint)pageCode >> 31);
                    shared += pageCode == Shared ? 1 : 0;
                }
            }

            ownedCount = owned;
            sharedCount = shared;
        }

        /// <summary>Holders of each page hit in this bucket (needed only when a host has several holders).</summary>
        private void CountHoldersOfPages()
        {
            var holdersOfPage = _holdersOfPage;
            var total = _ownedEnd[^1];
            for (var k = 0; k < total; k++)
            {
                holdersOfPage[_owned[k]]++;
            }

            total = _sharedEnd[^1];
            for (var k = 0; k < total; k++)
            {
                holdersOfPage[_shared[k]]++;
            }
        }

        /// <summary>
        /// Host counts of the pages held by several VMs, and their fate: a bit column if dv·dh reaches the threshold
        /// (<c>_column[p]</c> ≥ 0), else counted pair by pair (−1). Pages of one VM are always counted pair by pair (at
        /// most dh increments each). Returns whether any column was created.
        /// </summary>
        private bool ClassifySharedPages(out bool anySparse)
        {
            // dh ≤ Σ over the page's holders of their host counts (equal unless two holders share a host).
            var hostsOfPage = _hostsOfPage;
            var shared = _shared;
            var k = 0;
            for (var r = 0; r < _lists.Length; r++)
            {
                var weight = _holders.HostsOf[r].Length;
                for (var end = _sharedEnd[r]; k < end; k++)
                {
                    hostsOfPage[shared[k]] += weight;
                }
            }

            var anyColumn = false;
            anySparse = false;
            for (var p = 0; p < _table.Pages; p++)
            {
                var dh = hostsOfPage[p];
                var popular = _code[p] == Shared && dh > 0 && (long)_vmsOfPage[p] * dh >= _denseThreshold;
                _column[p] = popular ? NextColumn() : -1;
                anyColumn |= popular;
                anySparse |= !popular && dh > 0;
            }

            return anyColumn;
        }

        /// <summary>Sets each VM's bits for the popular pages it holds.</summary>
        private void SetVmColumnBits(int first, int end)
        {
            var owners = _vmEntries.Owner;
            for (var e = first; e < end; e++)
            {
                var column = _column[_entryPage[e - first]];
                if (column >= 0)
                {
                    Columns[column / ColumnBlock.Capacity].SetVm(owners[e], column % ColumnBlock.Capacity);
                }
            }
        }

        /// <summary>The VMs holding each page, ascending (CSR), for the shared pages counted pair by pair.</summary>
        private void ListVmsOfPages(int first, int end)
        {
            var pages = _table.Pages;
            Grow(ref _vmListStart, pages + 1);
            Grow(ref _vmListFill, pages);
            Grow(ref _vmList, end - first);
            _vmListStart[0] = 0;
            for (var p = 0; p < pages; p++)
            {
                _vmListStart[p + 1] = _vmListStart[p] + _vmsOfPage[p];
                _vmListFill[p] = _vmListStart[p];
            }

            var owners = _vmEntries.Owner;
            for (var e = first; e < end; e++)
            {
                _vmList[_vmListFill[_entryPage[e - first]]++] = owners[e];
            }
        }

        /// <summary>Pages of one VM: one more shared page for that VM and the holder.</summary>
        private void AddOwned()
        {
            var counts = HolderCounts;
            var owned = _owned;
            var code = _code;
            var vmCount = _vms.Length;
            var deferMultiple = _holders.ShareHosts;
            var k = 0;
            for (var r = 0; r < _lists.Length; r++)
            {
                var row = r * vmCount;
                for (var end = _ownedEnd[r]; k < end; k++)
                {
                    var page = owned[k];
                    if (deferMultiple && _holdersOfPage[page] > 1)
                    {
                        _deferred.Add(((long)page << 32) | (uint)r);
                        continue;
                    }

                    counts[row + code[page]]++;
                }
            }
        }

        /// <summary>Pages of several VMs: set the holder's bit of a column, or add one for each VM holding the page.</summary>
        private void AddShared()
        {
            var counts = HolderCounts;
            var shared = _shared;
            var vmCount = _vms.Length;
            var deferMultiple = _holders.ShareHosts;
            var k = 0;
            for (var r = 0; r < _lists.Length; r++)
            {
                var row = r * vmCount;
                for (var end = _sharedEnd[r]; k < end; k++)
                {
                    var page = shared[k];
                    var column = _column[page];
                    if (column >= 0)
                    {
                        Columns[column / ColumnBlock.Capacity].SetHolder(r, column % ColumnBlock.Capacity);
                        continue;
                    }

                    if (deferMultiple && _holdersOfPage[page] > 1)
                    {
                        _deferred.Add(((long)page << 32) | (uint)r);
                        continue;
                    }

                    for (var j = _vmListStart[page]; j < _vmListStart[page + 1]; j++)
                    {
                        counts[row + _vmList[j]]++;
                    }
                }
            }
        }

        /// <summary>
        /// Rare pages held by several holders: each host holding the page (through any of them) counts it once, for each
        /// VM holding it. The pairs (page, holder) were set aside by <see cref="AddOwned"/> and <see cref="AddShared"/>.
        /// </summary>
        private void AddDeferred()
        {
            var vmCount = _vms.Length;
            HostCounts ??= new int[vmCount * _holders.HostCount];
            Grow(ref _hostStamp, _holders.HostCount);
            var hostCounts = HostCounts;
            var deferred = CollectionsMarshal.AsSpan(_deferred);
            deferred.Sort();
            var hosts = new List<int>();
            var i = 0;
            var stamp = 0;
            while (i < deferred.Length)
            {
                var page = (int)(deferred[i] >> 32);
                stamp++;
                hosts.Clear();
                for (; i < deferred.Length && (int)(deferred[i] >> 32) == page; i++)
                {
                    foreach (var host in _holders.HostsOf[(int)(deferred[i] & int.MaxValue)])
                    {
                        if (_hostStamp[host] != stamp)
                        {
                            _hostStamp[host] = stamp;
                            hosts.Add(host);
                        }
                    }
                }

                var owner = _code[page];
                foreach (var host in hosts)
                {
                    var row = host * vmCount;
                    if (owner >= 0)
                    {
                        hostCounts[row + owner]++;
                        continue;
                    }

                    for (var j = _vmListStart[page]; j < _vmListStart[page + 1]; j++)
                    {
                        hostCounts[row + _vmList[j]]++;
                    }
                }
            }

            Array.Clear(_hostStamp, 0, _holders.HostCount);
            _deferred.Clear();
        }

        private int NextColumn()
        {
            if (Columns.Count == 0 || Columns[^1].Used == ColumnBlock.Capacity)
            {
                Columns.Add(new ColumnBlock(_vms.Length, _lists.Length));
            }

            return ((Columns.Count - 1) * ColumnBlock.Capacity) + Columns[^1].Used++;
        }

        private static void Grow<T>(ref T[] array, int length)
        {
            if (array.Length < length)
            {
                array = new T[Math.Max(length, 2 * array.Length)];
            }
        }
    }
}
