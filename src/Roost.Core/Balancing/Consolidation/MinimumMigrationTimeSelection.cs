namespace Roost.Core.Balancing.Consolidation;

/// <summary>MMT: the VM with the least RAM (so the shortest migration); the first such VM on ties.</summary>
public sealed class MinimumMigrationTimeSelection : IVmSelectionPolicy
{
    public string Name => "mmt";

    public int ChooseVm(ReadOnlySpan<SelectableVm> vms)
    {
        var best = -1;
        var min = double.MaxValue;
        for (var i = 0; i < vms.Length; i++)
        {
            if (vms[i].RamMiB < min)
            {
                min = vms[i].RamMiB;
                best = i;
            }
        }

        return best;
    }
}
