using Roost.Core.Balancing;
using Roost.Core.Model;

namespace Roost.Core.Tests.Balancing;

public sealed class MaintenanceEvacuationTests
{
    private static readonly ResourceVector _capacity = new(8, 16_384, 1000);

    [Fact]
    public void Plan_MovesEachIdleVmOffTheDrainingHost_ToTheLowestVolumeHostThatHoldsIt()
    {
        EvacuationHost[] hosts = [Host(1, maintenance: true), Host(2), Host(3)];
        EvacuationVm[] vms =
        [
            Vm(10, 1, new ResourceVector(2, 4096, 100)),
            Vm(11, 1, new ResourceVector(2, 4096, 100)),
            Vm(20, 2, new ResourceVector(3, 4096, 100)),
        ];

        var moves = MaintenanceEvacuation.Plan(hosts, vms, threshold: 0.75);

        // vm-10 to the empty host-3; then host-3 (2 cores) is cooler than host-2 (3 cores), so vm-11 follows it.
        Assert.Equal(["vm-10 host-1 -> host-3", "vm-11 host-1 -> host-3"], moves.Select(m => $"{m.Vm} {m.From} -> {m.To}"));
        Assert.All(moves, m => Assert.Equal("host-1 is in maintenance", m.Reason));
    }

    [Fact]
    public void Plan_CountsVmsMigratingInAndLeavesBusyOrUnplaceableVms()
    {
        EvacuationHost[] hosts = [Host(1, maintenance: true), Host(2)];
        EvacuationVm[] vms =
        [
            Vm(10, 1, new ResourceVector(1, 1024, 10)) with { Busy = true },
            Vm(11, 1, new ResourceVector(1, 1024, 10)) with { MigratingTo = new HostId(2) },
            Vm(12, 1, new ResourceVector(6, 1024, 10)),
            Vm(13, 1, new ResourceVector(1, 1024, 10)),
        ];

        var moves = MaintenanceEvacuation.Plan(hosts, vms, threshold: 0.75);

        // host-2 holds vm-11 (1 core) already; vm-12 would make 7 of 8 cores, above 0.75 x 8.
        Assert.Equal([new VmId(13)], moves.Select(m => m.Vm));
    }

    [Fact]
    public void Plan_NoHostInMaintenance_Nothing()
    {
        Assert.Empty(MaintenanceEvacuation.Plan([Host(1), Host(2)], [Vm(1, 1, new ResourceVector(1, 1, 1))], 0.75));
    }

    private static EvacuationHost Host(int id, bool maintenance = false) => new(new HostSnapshot(new HostId(id), _capacity), maintenance);

    private static EvacuationVm Vm(int id, int host, ResourceVector footprint) =>
        new(new VmId(id), new HostId(host), null, footprint, footprint, false);
}
