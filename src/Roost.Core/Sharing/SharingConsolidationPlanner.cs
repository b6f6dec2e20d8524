using Roost.Core.Model;

namespace Roost.Core.Sharing;

/// <summary>
/// Memory Buddies' consolidation (§5.2): empty lightly loaded hosts by moving each of their VMs to the host where it
/// shares the most (through <see cref="SharingAwarePlacement"/>), and commit a host's moves only if all its VMs find a
/// place, so every committed step frees a whole host (which can then be powered down) and no Bloom fingerprint ever
/// needs a page removed.
/// </summary>
/// <remarks>
/// Greedy and deterministic: sources in ascending memory utilisation (ties by id), their VMs largest first (ties by
/// id). A host that receives a VM is no longer a source, and an evacuated host receives none; hosts already empty are
/// not targets (they stay off). Cost: O(sources × VMs per source × hosts) estimates. With exact lists
/// (<see cref="SharingEstimateKind.ListList"/>) every VM is first estimated against every host in one
/// <see cref="SharingEstimator.ListListMatrix(IReadOnlyList{ExactFingerprint}, IReadOnlyList{ExactFingerprint})"/>,
/// which gives the same numbers as the pairwise merges far faster; a host that has received a VM since is estimated
/// afresh.
/// </remarks>
public sealed class SharingConsolidationPlanner
{
    private readonly SharingAwarePlacement _placement;
    private readonly SharingEstimateKind _estimate;
    private readonly double _lightLoadFraction;

    /// <param name="options">Estimator and sharing credit for choosing destinations.</param>
    /// <param name="lightLoadFraction">A host is lightly loaded if its memory and CPU utilisation are both below this.</param>
    public SharingConsolidationPlanner(SharingPlacementOptions options, double lightLoadFraction = 0.5)
    {
        if (!(lightLoadFraction is > 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(lightLoadFraction), lightLoadFraction, "Light-load fraction must lie in (0, 1].");
        }

        _placement = new SharingAwarePlacement(options);
        _estimate = options.Estimate;
        _lightLoadFraction = lightLoadFraction;
    }

    public SharingConsolidationPlan Plan(IReadOnlyList<SharingHost> hosts)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        var state = hosts.OrderBy(h => h.Id.Value).ToArray();
        for (var i = 1; i < state.Length; i++)
        {
            if (state[i].Id == state[i - 1].Id)
            {
                throw new ArgumentException($"{state[i].Id} appears twice.", nameof(hosts));
            }
        }

        var evacuated = new bool[state.Length];
        var received = new bool[state.Length];
        var migrations = new List<SharingMigration>();
        var sources = Enumerable.Range(0, state.Length)
            .Where(i => state[i].Vms.Count > 0 && IsLightlyLoaded(state[i]))
            .OrderBy(i => MemoryUtilisation(state[i]))
            .ThenBy(i => state[i].Id.Value)
            .ToArray();
        var initial = InitialEstimates(state, sources);

        foreach (var source in sources)
        {
            if (received[source])
            {
                continue;
            }

            var targets = Enumerable.Range(0, state.Length)
                .Where(i => i != source && !evacuated[i] && state[i].Vms.Count > 0)
                .ToArray();

            // An estimate from the start of the plan holds while the target still has the VMs it had then.
            double? Known(SharingVm vm, int t) =>
                initial is not null && !received[targets[t]] && initial.TryGetValue(vm.Id, out var row) ? row[targets[t]] : null;

            if (TryEvacuate(state[source], targets.Select(i => state[i]).ToArray(), Known, out var moved, out var moves))
            {
                for (var t = 0; t < targets.Length; t++)
                {
                    if (!ReferenceEquals(moved[t], state[targets[t]]))
                    {
                        state[targets[t]] = moved[t];
                        received[targets[t]] = true;
                    }
                }

                state[source] = state[source].Emptied();
                evacuated[source] = true;
                migrations.AddRange(moves);
            }
        }

        var emptied = Enumerable.Range(0, state.Length).Where(i => evacuated[i]).Select(i => state[i].Id).ToArray();
        return new SharingConsolidationPlan(migrations, emptied, state);
    }

    public bool IsLightlyLoaded(SharingHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return MemoryUtilisation(host) < _lightLoadFraction && host.UsedCpuCores < _lightLoadFraction * host.CpuCores;
    }

    private static double MemoryUtilisation(SharingHost host) => (double)host.UsedMemoryPages / host.MemoryPages;

    /// <summary>
    /// With exact lists, the shared pages of every VM of the <paramref name="sources"/> with every host, in one matrix
    /// (rows by VM id, columns in the order of <paramref name="hosts"/>); equal to
    /// <see cref="SharingAwarePlacement.Estimate"/> while the host is unchanged. Null for the other estimators, or if
    /// VM ids repeat.
    /// </summary>
    private Dictionary<VmId, double[]>? InitialEstimates(SharingHost[] hosts, int[] sources)
    {
        var vms = sources.SelectMany(i => hosts[i].Vms).ToArray();
        if (_estimate != SharingEstimateKind.ListList || vms.Length == 0 || vms.DistinctBy(vm => vm.Id).Count() != vms.Length)
        {
            return null;
        }

        var matrix = SharingEstimator.ListListMatrix([.. vms.Select(vm => vm.Pages)], [.. hosts.Select(h => h.Pages)]);
        var rows = new Dictionary<VmId, double[]>(vms.Length);
        for (var v = 0; v < vms.Length; v++)
        {
            // An empty host estimates 0 whatever its list says (SharingAwarePlacement.Estimate).
            for (var h = 0; h < hosts.Length; h++)
            {
                matrix[v][h] = hosts[h].Vms.Count == 0 ? 0 : matrix[v][h];
            }

            rows.Add(vms[v].Id, matrix[v]);
        }

        return rows;
    }

    /// <summary>Places every VM of <paramref name="source"/> on <paramref name="targets"/> (updated in place) or fails.</summary>
    private bool TryEvacuate(SharingHost source, SharingHost[] targets, Func<SharingVm, int, double?> known, out SharingHost[] moved, out List<SharingMigration> moves)
    {
        moved = targets;
        moves = [];
        var positions = new Dictionary<HostId, int>(targets.Length);
        for (var t = 0; t < targets.Length; t++)
        {
            positions[targets[t].Id] = t;
        }

        // Estimates of every VM of the source against every target, computed host by host so that each host filter is
        // read from memory once per source instead of once per VM; a target that receives a VM is re-estimated.
        var vms = source.Vms.OrderByDescending(v => v.MemoryPages).ThenBy(v => v.Id.Value).ToArray();
        var cached = new double[vms.Length][];
        for (var v = 0; v < vms.Length; v++)
        {
            cached[v] = new double[targets.Length];
        }

        for (var t = 0; t < targets.Length; t++)
        {
            for (var v = 0; v < vms.Length; v++)
            {
                cached[v][t] = !_placement.MightFit(vms[v], targets[t]) ? double.NaN
                    : known(vms[v], t) ?? _placement.Estimate(vms[v], targets[t]);
            }
        }

        var changed = new bool[targets.Length];
        for (var v = 0; v < vms.Length; v++)
        {
            var vm = vms[v];
            var row = cached[v];
            var result = _placement.Place(vm, targets, (t, host) => changed[t] || double.IsNaN(row[t]) ? _placement.Estimate(vm, host) : row[t]);
            if (result is not SharingPlacementResult.Placed placed)
            {
                return false;
            }

            var target = positions[placed.Host];
            targets[target] = targets[target].WithVm(vm, placed.ChargedMemoryPages);
            changed[target] = true;
            moves.Add(new SharingMigration(vm.Id, source.Id, placed.Host, placed.EstimatedSharedPages));
        }

        return true;
    }
}
