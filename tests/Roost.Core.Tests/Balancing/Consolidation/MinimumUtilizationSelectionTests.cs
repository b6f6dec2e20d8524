using Roost.Core.Balancing.Consolidation;

namespace Roost.Core.Tests.Balancing.Consolidation;

public sealed class MinimumUtilizationSelectionTests
{
    [Fact]
    public void ChooseVm_DistinctUtilization_PicksTheLeastBusy()
    {
        SelectableVm[] vms = [Vm(1, 512, 0.5), Vm(2, 4096, 0.3), Vm(3, 1024, 0.05), Vm(4, 256, 0.9)];

        var chosen = new MinimumUtilizationSelection().ChooseVm(vms);

        Assert.Equal(2, chosen);
    }

    [Fact]
    public void ChooseVm_TiedUtilization_PicksTheFirst()
    {
        SelectableVm[] vms = [Vm(1, 512, 0.5), Vm(2, 4096, 0.2), Vm(3, 1024, 0.3), Vm(4, 256, 0.2)];

        var chosen = new MinimumUtilizationSelection().ChooseVm(vms);

        Assert.Equal(1, chosen);
    }

    [Fact]
    public void ChooseVm_IdleVm_IsChosen()
    {
        SelectableVm[] vms = [Vm(1, 512, 0.5), Vm(2, 4096, 0.0)];

        var chosen = new MinimumUtilizationSelection().ChooseVm(vms);

        Assert.Equal(1, chosen);
    }

    [Fact]
    public void ChooseVm_Empty_ReturnsMinusOne()
    {
        var chosen = new MinimumUtilizationSelection().ChooseVm([]);

        Assert.Equal(-1, chosen);
    }

    [Fact]
    public void Name_IsMu()
    {
        Assert.Equal("mu", new MinimumUtilizationSelection().Name);
    }

    private static SelectableVm Vm(int id, int ramMiB, double cpu) => new(id, ramMiB, cpu, Array.Empty<double>());
}
