namespace Roost.Core.Sharing;

internal static partial class SharedPageMatrix
{
    /// <summary>
    /// Some sorted lists' entries for a few consecutive hash buckets, copied out and grouped by bucket, list by list
    /// within a bucket. Reading each list front to back once per chunk of buckets, rather than jumping between 2,000
    /// lists for every bucket, keeps memory access sequential: a list's run in one bucket is only a few entries long.
    /// </summary>
    private sealed class Regrouped
    {
        private readonly ExactFingerprint[] _lists;
        private readonly int _bucketBits;
        private readonly int[] _cursor;
        private ulong[] _lasts = [];
        private int _buckets;

        public Regrouped(ExactFingerprint[] lists, int bucketBits)
        {
            _lists = lists;
            _bucketBits = bucketBits;
            _cursor = new int[lists.Length];
        }

        /// <summary>The loaded entries' hashes: bucket k's are [BucketStart[k], BucketStart[k + 1]).</summary>
        public ulong[] Hashes { get; private set; } = [];

        /// <summary>The list each loaded entry comes from.</summary>
        public int[] Owner { get; private set; } = [];

        public int[] BucketStart { get; private set; } = [];

        private int[] RunStart { get; set; } = [];

        private int[] RunLength { get; set; } = [];

        /// <summary>Where list <paramref name="list"/>'s entries of loaded bucket <paramref name="k"/> are.</summary>
        public (int Start, int Length) Run(int list, int k) => (RunStart[(list * _buckets) + k], RunLength[(list * _buckets) + k]);

        /// <summary>Positions every list at the first entry of bucket <paramref name="bucket"/>.</summary>
        public void Start(int bucket)
        {
            var from = First(bucket);
            for (var l = 0; l < _lists.Length; l++)
            {
                _cursor[l] = LowerBound(_lists[l].Hashes, from);
            }
        }

        /// <summary>Loads buckets <paramref name="first"/> to <paramref name="first"/> + <paramref name="buckets"/> - 1, which follow the last ones loaded.</summary>
        public void Load(int first, int buckets)
        {
            _buckets = buckets;
            if (_lasts.Length < buckets)
            {
                _lasts = new ulong[buckets];
            }

            var lastBucket = (1 << _bucketBits) - 1;
            for (var k = 0; k < buckets; k++)
            {
                _lasts[k] = first + k == lastBucket ? ulong.MaxValue : First(first + k + 1) - 1;
            }

            var runs = _lists.Length * buckets;
            if (RunStart.Length < runs)
            {
                RunStart = new int[runs];
                RunLength = new int[runs];
            }

            // Run lengths: scan each list's entries of these buckets once.
            var bucketStart = new int[buckets + 1];
            for (var l = 0; l < _lists.Length; l++)
            {
                var hashes = _lists[l].Hashes;
                var i = _cursor[l];
                for (var k = 0; k < buckets; k++)
                {
                    var last = _lasts[k];
                    var j = i;
                    while (j < hashes.Length && hashes[j] <= last)
                    {
                        j++;
                    }

                    RunLength[(l * buckets) + k] = j - i;
                    bucketStart[k + 1] += j - i;
                    i = j;
                }
            }

            for (var k = 0; k < buckets; k++)
            {
                bucketStart[k + 1] += bucketStart[k];
            }

            BucketStart = bucketStart;
            if (Hashes.Length < bucketStart[buckets])
            {
                Hashes = new ulong[bucketStart[buckets]];
                Owner = new int[bucketStart[buckets]];
            }

            // Copy the runs into place, list by list.
            var fill = bucketStart[..buckets];
            for (var l = 0; l < _lists.Length; l++)
            {
                var hashes = _lists[l].Hashes;
                var i = _cursor[l];
                for (var k = 0; k < buckets; k++)
                {
                    var length = RunLength[(l * buckets) + k];
                    var at = fill[k];
                    RunStart[(l * buckets) + k] = at;
                    hashes.Slice(i, length).CopyTo(Hashes.AsSpan(at, length));
                    Owner.AsSpan(at, length).Fill(l);
                    fill[k] = at + length;
                    i += length;
                }

                _cursor[l] = i;
            }
        }

        private ulong First(int bucket) => bucket == 0 ? 0 : (ulong)bucket << (64 - _bucketBits);

        /// <summary>First index whose hash is ≥ <paramref name="value"/> (the list is ascending).</summary>
        private static int LowerBound(ReadOnlySpan<ulong> hashes, ulong value)
        {
            int low = 0, high = hashes.Length;
            while (low < high)
            {
                var middle = (low + high) >>> 1;
                if (hashes[middle] < value)
                {
                    low = middle + 1;
                }
                else
                {
                    high = middle;
                }
            }

            return low;
        }
    }
}
