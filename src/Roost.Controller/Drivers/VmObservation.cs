using Roost.Core.Model;
using Roost.Core.Monitoring;
using Roost.Hypervisor.Agent;

namespace Roost.Controller.Drivers;

/// <summary>
/// A running VM: where it is, what it holds, what it used (with swap traffic) and, while a live migration is under way,
/// where it is going. <see cref="MigrationProblem"/> is the driver's one line on why the VM's last migration failed,
/// on the first observation after it did (else null); <see cref="MigrationReport"/> is the source agent's report of the
/// VM's last migration, on the first observation after it completed (else null; the simulator makes none).
/// </summary>
public sealed record VmObservation(VmId Vm, HostId Host, ResourceVector Allocation, UsageSample Sample, HostId? MigratingTo)
{
    public string? MigrationProblem { get; init; }

    public MigrationReport? MigrationReport { get; init; }
}
