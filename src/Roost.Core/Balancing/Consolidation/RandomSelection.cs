namespace Roost.Core.Balancing.Consolidation;

/// <summary>RS: a uniformly random VM, from a seeded generator so runs replay exactly (CloudSim's is unseeded).</summary>
public sealed class RandomSelection : IVmSelectionPolicy
{
    private readonly Random _random;

    public RandomSelection(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        _random = random;
    }

    public string Name => "rs";

    public int ChooseVm(ReadOnlySpan<SelectableVm> vms) => vms.IsEmpty ? -1 : _random.Next(vms.Length);
}
