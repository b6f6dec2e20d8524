using Roost.Core.Balancing.Consolidation;

namespace Roost.Core.Tests.Balancing.Consolidation;

public sealed class MinimumMigrationTimeSelectionTests
{
    [Fact]
    public void ChooseVm_DistinctRam_PicksTheSmallest()
    {
        SelectableVm[] vms = [Vm(1, 2048, 0.1), Vm(2, 1024, 0.9), Vm(3, 613, 0.5), Vm(4, 4096, 0.0)];

        var chosen = new MinimumMigrationTimeSelection().ChooseVm(vms);

        Assert.Equal(2, chosen);
    }

    [Fact]
    public void ChooseVm_TiedRam_PicksTheFirst()
    {
        SelectableVm[] vms = [Vm(1, 2048, 0.1), Vm(2, 512, 0.9), Vm(3, 1024, 0.5), Vm(4, 512, 0.0)];

        var chosen = new MinimumMigrationTimeSelection().ChooseVm(vms);

        Assert.Equal(1, chosen);
    }

    [Fact]
    public void ChooseVm_Empty_ReturnsMinusOne()
    {
        var chosen = new MinimumMigrationTimeSelection().ChooseVm([]);

        Assert.Equal(-1, chosen);
    }

    [Fact]
    public void Name_IsMmt()
    {
        Assert.Equal("mmt", new MinimumMigrationTimeSelection().Name);
    }

    private static SelectableVm Vm(int id, int ramMiB, double cpu) => new(id, ramMiB, cpu, Array.Empty<double>());
}
