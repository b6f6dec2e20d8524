namespace Roost.Core.Balancing.Consolidation;

/// <summary>MU: the VM with the lowest CPU utilisation; the first such VM on ties.</summary>
public sealed class MinimumUtilizationSelection : IVmSelectionPolicy
{
    public string Name => "mu";

    public int ChooseVm(ReadOnlySpan<SelectableVm> vms)
    {
        var best = -1;
        var min = double.MaxValue;
        for (var i = 0; i < vms.Length; i++)
        {
            if (vms[i].CpuUtilization < min)
            {
                min = vms[i].CpuUtilization;
                best = i;
            }
        }

        return best;
    }
}
