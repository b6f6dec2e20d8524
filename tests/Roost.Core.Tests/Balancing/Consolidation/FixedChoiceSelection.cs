using Roost.Core.Balancing.Consolidation;

namespace Roost.Core.Tests.Balancing.Consolidation;

/// <summary>A fallback selection for tests: always picks the same position and counts how often it was asked.</summary>
internal sealed class FixedChoiceSelection : IVmSelectionPolicy
{
    private readonly int _choice;

    public FixedChoiceSelection(int choice)
    {
        _choice = choice;
    }

    public string Name => "fixed";

    public int Calls { get; private set; }

    public int ChooseVm(ReadOnlySpan<SelectableVm> vms)
    {
        Calls++;
        return _choice;
    }
}
