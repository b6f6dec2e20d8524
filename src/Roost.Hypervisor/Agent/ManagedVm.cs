using Roost.Hypervisor.Qemu;

namespace Roost.Hypervisor.Agent;

/// <summary>
/// A VM slot on an agent. The slot exists (and its capacity is reserved) from admission on, before QEMU has
/// started, so concurrent admissions cannot overcommit. <see cref="State"/>, <see cref="Vm"/> and the migration
/// drivers change only under the agent's table lock; <see cref="Progress"/> is a snapshot swapped whole.
/// </summary>
internal sealed class ManagedVm(GuestSpec spec, VmState state)
{
    public GuestSpec Spec { get; } = spec;

    public VmState State { get; set; } = state;

    public QemuVm? Vm { get; set; }

    /// <summary>The last outgoing migration's final progress (while one runs, its driver's snapshot is shown).</summary>
    public MigrationProgress? Progress { get; set; }

    /// <summary>The outgoing migration under way, if any; set and cleared under the table lock.</summary>
    public SourceMigrationDriver? Outgoing { get; set; }

    /// <summary>The incoming migration this slot was admitted for, until the VM is adopted or dropped.</summary>
    public IncomingMigrationDriver? Incoming { get; set; }

    public VmInfo ToInfo() => new(Spec.Id, Spec.Cpus, Spec.MemoryMiB, State, Vm?.ProcessId ?? 0, Vm?.Launch.MemoryPath ?? "",
        Spec.Nic is { } nic ? new NicRequest(nic.Network, nic.Address, nic.Gateway) : null)
    {
        DiskMiB = Spec.DiskMiB,
        Image = Spec.Image ?? "",
    };
}
