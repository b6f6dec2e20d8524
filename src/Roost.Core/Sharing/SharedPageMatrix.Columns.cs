namespace Roost.Core.Sharing;

internal static partial class SharedPageMatrix
{
    /// <summary>
    /// Adds the popular pages: <c>counts[h * V + v]</c> += |columns of VM v ∧ columns of host h|, block by block, in tiles
    /// of VMs × hosts whose rows fit in L2 together. A host's row is the OR of its holders' rows (its own when holders
    /// are hosts). The AND's popcount comes from the OR kernel of the Bloom estimates: |a ∧ b| = |a| + |b| - |a ∨ b|,
    /// exact on integers.
    /// </summary>
    private static void AddColumns(IReadOnlyList<ColumnBlock> blocks, int vmCount, Holders holders, int[] counts, int threads)
    {
        if (blocks.Count == 0)
        {
            return;
        }

        var hostCount = holders.HostCount;
        var hostBits = new ulong[blocks.Count][];
        var vmOnes = new int[blocks.Count][];
        var hostOnes = new int[blocks.Count][];
        for (var b = 0; b < blocks.Count; b++)
        {
            hostBits[b] = holders.AreHosts ? blocks[b].HolderBits : blocks[b].HostRows(holders.HoldersOf);
            vmOnes[b] = blocks[b].RowOnes(blocks[b].VmBits, vmCount);
            hostOnes[b] = blocks[b].RowOnes(hostBits[b], hostCount);
        }

        var tile = (int)Math.Clamp(SharingEstimator.TileCacheBytes / (2L * ColumnBlock.Words * sizeof(ulong)), 1, 256);
        var hostTiles = (hostCount + tile - 1) / tile;
        Parallel.For(0, hostTiles, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            var h0 = t * tile;
            var h1 = Math.Min(hostCount, h0 + tile);
            for (var b = 0; b < blocks.Count; b++)
            {
                var block = blocks[b];
                var words = block.UsedWords;
                for (var v0 = 0; v0 < vmCount; v0 += tile)
                {
                    var v1 = Math.Min(vmCount, v0 + tile);
                    for (var h = h0; h < h1; h++)
                    {
                        var hostRow = hostBits[b].AsSpan(h * ColumnBlock.Words, words);
                        var row = h * vmCount;
                        var ones = hostOnes[b][h];
                        for (var v = v0; v < v1; v++)
                        {
                            var union = BloomFingerprint.OnesOfUnion(block.VmBits.AsSpan(v * ColumnBlock.Words, words), hostRow);
                            counts[row + v] += (int)(vmOnes[b][v] + ones - union);
                        }
                    }
                }
            }
        });
    }

    /// <summary>
    /// Up to <see cref="Capacity"/> popular pages as bit columns: one row of <see cref="Words"/> words per VM and per
    /// holder, bit c of a row set when that VM or holder holds the page numbered c in this block.
    /// </summary>
    private sealed class ColumnBlock(int vmCount, int holderCount)
    {
        /// <summary>Words per row: 2 KiB, so a tile of 64 VM rows and 64 host rows fills 256 KiB.</summary>
        public const int Words = 256;

        public const int Capacity = Words * 64;

        public ulong[] VmBits { get; } = new ulong[vmCount * Words];

        public ulong[] HolderBits { get; } = new ulong[holderCount * Words];

        /// <summary>Columns in use, from 0.</summary>
        public int Used { get; set; }

        /// <summary>Words of each row that hold used columns.</summary>
        public int UsedWords => (Used + 63) / 64;

        public void SetVm(int vm, int column) => VmBits[(vm * Words) + (column >> 6)] |= 1UL << (column & 63);

        public void SetHolder(int holder, int column) => HolderBits[(holder * Words) + (column >> 6)] |= 1UL << (column & 63);

        /// <summary>Each host's row: the OR of its holders' rows.</summary>
        public ulong[] HostRows(int[][] holdersOf)
        {
            var rows = new ulong[holdersOf.Length * Words];
            var words = UsedWords;
            for (var h = 0; h < holdersOf.Length; h++)
            {
                var row = rows.AsSpan(h * Words, words);
                foreach (var holder in holdersOf[h])
                {
                    var source = HolderBits.AsSpan(holder * Words, words);
                    for (var i = 0; i < words; i++)
                    {
                        row[i] |= source[i];
                    }
                }
            }

            return rows;
        }

        public int[] RowOnes(ulong[] bits, int rows)
        {
            var ones = new int[rows];
            for (var r = 0; r < rows; r++)
            {
                var row = bits.AsSpan(r * Words, UsedWords);
                ones[r] = (int)BloomFingerprint.OnesOfUnion(row, row);
            }

            return ones;
        }
    }
}
