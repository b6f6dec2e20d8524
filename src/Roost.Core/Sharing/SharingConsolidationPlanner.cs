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
/// not targets (they stay off). Cost: O(sources × VMs per source × hosts) estimates.
/// </remarks>
public sealed class SharingConsolidationPlanner
{
    private readonly SharingAwarePlacement _placement;
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

        foreach (var source in sources)
        {
            if (received[source])
            {
                continue;
            }

            var targets = Enumerable.Range(0, state.Length)
                .Where(i => i != source && !evacuated[i] && state[i].Vms.Count > 0)
                .ToArray();
            if (TryEvacuate(state[source], targets.Select(i => state[i]).ToArray(), out var moved, out var moves))
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

    /// <summary>Places every VM of <paramref name="source"/> on <paramref name="targets"/> (updated in place) or fails.</summary>
    private bool TryEvacuate(SharingHost source, SharingHost[] targets, out SharingHost[] moved, out List<SharingMigration> moves)
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
                cached[v][t] = _placement.MightFit(vms[v], targets[t]) ? _placement.Estimate(vms[v], targets[t]) : double.NaN;
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
