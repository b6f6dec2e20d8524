using Roost.Hypervisor.Qemu;

namespace Roost.Hypervisor.Agent;

/// <summary>
/// A VM slot on an agent. The slot exists (and its capacity is reserved) from admission on, before QEMU has
/// started, so concurrent admissions cannot overcommit. <see cref="State"/> and <see cref="Vm"/> change only
/// under the agent's table lock; <see cref="Progress"/> is a snapshot swapped whole.
/// </summary>
internal sealed class ManagedVm(GuestSpec spec, VmState state)
{
    public GuestSpec Spec { get; } = spec;

    public VmState State { get; set; } = state;

    public QemuVm? Vm { get; set; }

    public MigrationProgress? Progress { get; set; }

    public CancellationTokenSource? MigrationCancellation { get; set; }

    public VmInfo ToInfo() => new(Spec.Id, Spec.Cpus, Spec.MemoryMiB, State, Vm?.ProcessId ?? 0, Vm?.Launch.MemoryPath ?? "");
}
