namespace Roost.Core.Overheads;

/// <summary>
/// CPU an application uses once virtualized, in percent of one host core: <see cref="GuestPct"/> in the guest (the
/// VM's vCPU threads; Xen's domU in MOVE) and <see cref="EmulationPct"/> in the host's device emulation and I/O path
/// (the VMM process's other threads; Xen's Dom-0 in MOVE).
/// </summary>
public readonly record struct VirtualCpu(double GuestPct, double EmulationPct)
{
    public double TotalPct => GuestPct + EmulationPct;
}
