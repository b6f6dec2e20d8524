using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Roost.Core.Sharing;

internal static partial class SharedPageMatrix
{
    /// <summary>
    /// One bucket's distinct VM hashes, numbered 0..<see cref="Pages"/>-1 in the order they were added: open addressing
    /// with linear probing, at most half full, so most hashes sit in their home slot and a lookup is one
    /// 16-byte load and a rarely taken branch. A slot is in use only if it carries the current <see cref="Stamp"/>, so
    /// emptying the table for the next bucket writes nothing. The scanner's loops inline the lookups
    /// (<see cref="HomeSlot"/>, then <see cref="SlotBeyond"/> when the home slot holds another hash).
    /// </summary>
    private sealed class PageTable
    {
        // Fibonacci hashing spreads keys that are not uniform (tests use small integers); page hashes already are.
        private const ulong Fibonacci = 0x9E3779B97F4A7C15;

        private Slot[] _slots = [];
        private int _mask;

        /// <summary>The page of a hash not in the table; also a valid index of every per-page array (a spare slot).</summary>
        public int None { get; private set; }

        /// <summary>Distinct hashes added since <see cref="Reset"/> (kept by the loops that add them).</summary>
        public int Pages { get; set; }

        /// <summary>Marks the slots in use since the last <see cref="Reset"/>.</summary>
        public int Stamp { get; private set; }

        /// <summary>64 - log2 of the slot count: a hash's home slot is <see cref="HomeSlot"/>(hash, Shift).</summary>
        public int Shift { get; private set; } = 63;

        public Slot[] Slots => _slots;

        /// <summary>Empties the table, sized for up to <paramref name="entries"/> distinct hashes.</summary>
        public void Reset(int entries)
        {
            var bits = 4;
            while ((1L << bits) < 2L * entries)
            {
                bits++;
            }

            var slots = 1 << bits;
            if (_slots.Length < slots || Stamp == int.MaxValue)
            {
                _slots = new Slot[slots];
                Stamp = 0;
            }

            Stamp++;
            None = entries;
            Pages = 0;
            _mask = slots - 1;
            Shift = 64 - bits;
        }

        /// <summary>Home slot: the top bits of a multiplicative hash, so always below 2^(64 - shift).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int HomeSlot(ulong hash, int shift) => unchecked((int)((hash * Fibonacci) >> shift));

        /// <summary>After a home slot holding another hash: the slot holding <paramref name="hash"/>, or the first unused one.</summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        public int SlotBeyond(int slot, ulong hash)
        {
            while (true)
            {
                slot = (slot + 1) & _mask;
                if (_slots[slot].Stamp != Stamp || _slots[slot].Key == hash)
                {
                    return slot;
                }
            }
        }

        /// <summary>A hash, its page and the stamp of the bucket that filled the slot: 16 bytes, one load per probe.</summary>
        [StructLayout(LayoutKind.Sequential)]
        public readonly record struct Slot(ulong Key, int Page, int Stamp);
    }
}
