namespace Roost.Core.Balancing.Consolidation;

/// <summary>
/// MC: the VM whose utilisation is best explained by the others' (highest R² of a multiple regression on them), after
/// Verma et al. As in CloudSim, histories are cut to the shortest one, and when the regression is impossible
/// (too little history) the fallback (MMT) chooses. A VM is picked only if its R² beats <see cref="double.Epsilon"/>,
/// else the first VM.
/// </summary>
public sealed class MaximumCorrelationSelection : IVmSelectionPolicy
{
    private readonly IVmSelectionPolicy _fallback;

    public MaximumCorrelationSelection(IVmSelectionPolicy fallback)
    {
        ArgumentNullException.ThrowIfNull(fallback);
        _fallback = fallback;
    }

    public string Name => "mc";

    public int ChooseVm(ReadOnlySpan<SelectableVm> vms)
    {
        if (vms.IsEmpty)
        {
            return -1;
        }

        var n = vms.Length;
        var m = int.MaxValue;
        foreach (var vm in vms)
        {
            m = Math.Min(m, vm.History.Length);
        }

        var data = new double[n][];
        for (var i = 0; i < n; i++)
        {
            data[i] = vms[i].History.Span[..m].ToArray();
        }

        var best = 0;
        var max = double.Epsilon;
        try
        {
            for (var i = 0; i < n; i++)
            {
                var others = new List<double[]>(n - 1);
                for (var j = 0; j < n; j++)
                {
                    if (j != i)
                    {
                        others.Add(data[j]);
                    }
                }

                var r2 = ConsolidationStatistics.RSquared(others, data[i]);
                if (r2 > max)
                {
                    max = r2;
                    best = i;
                }
            }
        }
        catch (ArgumentException)
        {
            return _fallback.ChooseVm(vms);
        }

        return best;
    }
}
