namespace Roost.Core.Sharing;

internal static partial class SharedPageMatrix
{
    /// <summary>
    /// The lists that make up the hosts: either each host's own list, or the distinct lists of the VMs resident on the
    /// hosts, a host's pages being the union of its residents' (as a <see cref="SharingHost"/> keeps them). In both
    /// cases a host holds a page if any of its holders does.
    /// </summary>
    private sealed class Holders
    {
        private Holders(ExactFingerprint[] lists, int[][] hostsOf, int[][] holdersOf)
        {
            Lists = lists;
            HostsOf = hostsOf;
            HoldersOf = holdersOf;
            ShareHosts = holdersOf.Any(holders => holders.Length > 1);
            AreHosts = lists.Length == holdersOf.Length && holdersOf.Select((holders, h) => holders is [var only] && only == h).All(x => x);
        }

        /// <summary>The distinct lists scanned, one per holder.</summary>
        public ExactFingerprint[] Lists { get; }

        /// <summary>For each holder, the hosts it is part of, ascending and distinct.</summary>
        public int[][] HostsOf { get; }

        /// <summary>For each host, its holders, ascending and distinct.</summary>
        public int[][] HoldersOf { get; }

        public int HostCount => HoldersOf.Length;

        /// <summary>
        /// True if some host has several holders: then a page held by two of them must count once for that host, so
        /// counts cannot simply be summed over a host's holders.
        /// </summary>
        public bool ShareHosts { get; }

        /// <summary>True if every host is its own single holder: holder counts are host counts.</summary>
        public bool AreHosts { get; }

        public static Holders OfHostLists(ExactFingerprint[] hosts)
        {
            var identity = Enumerable.Range(0, hosts.Length).Select(i => new[] { i }).ToArray();
            return new Holders(hosts, identity, identity);
        }

        /// <summary>Holders from each host's resident VM lists; the same list object on several hosts is one holder.</summary>
        public static Holders OfResidents(IReadOnlyList<IReadOnlyList<ExactFingerprint>> hostResidents)
        {
            var index = new Dictionary<ExactFingerprint, int>(ReferenceEqualityComparer.Instance);
            var lists = new List<ExactFingerprint>();
            var hostsOf = new List<SortedSet<int>>();
            var holdersOf = new int[hostResidents.Count][];
            for (var h = 0; h < hostResidents.Count; h++)
            {
                var residents = hostResidents[h] ?? throw new ArgumentException($"Host {h} has no resident list.", nameof(hostResidents));
                var holders = new SortedSet<int>();
                foreach (var list in residents)
                {
                    ArgumentNullException.ThrowIfNull(list, nameof(hostResidents));
                    if (!index.TryGetValue(list, out var holder))
                    {
                        holder = lists.Count;
                        index.Add(list, holder);
                        lists.Add(list);
                        hostsOf.Add([]);
                    }

                    holders.Add(holder);
                    hostsOf[holder].Add(h);
                }

                holdersOf[h] = [.. holders];
            }

            return new Holders([.. lists], [.. hostsOf.Select(hosts => hosts.ToArray())], holdersOf);
        }
    }
}
