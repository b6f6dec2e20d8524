namespace Roost.Core.Balancing.Consolidation;

/// <summary>Picks the VM to move off an overloaded host (Beloglazov &amp; Buyya 2012, §6).</summary>
public interface IVmSelectionPolicy
{
    /// <summary>Name as used on the command line, e.g. "mmt".</summary>
    string Name { get; }

    /// <summary>The position in <paramref name="vms"/> of the VM to migrate, or −1 when there is none.</summary>
    int ChooseVm(ReadOnlySpan<SelectableVm> vms);
}
