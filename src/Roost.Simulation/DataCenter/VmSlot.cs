namespace Roost.Simulation.DataCenter;

/// <summary>Per VM, what a host update reads of it, in one record (one cache line rather than one per array).</summary>
internal struct VmSlot
{
    /// <summary>MIPS the VM asks for at the last update.</summary>
    public double Requested;

    /// <summary>The VM's size in MIPS (all cores).</summary>
    public double Mips;

    public int Cores;

    /// <summary>RAM (MiB).</summary>
    public int Ram;

    /// <summary>The host the VM is on (its source while it migrates), −1 if none.</summary>
    public int Host;

    /// <summary>Being created: it asks for its full size and books RAM and bandwidth.</summary>
    public bool Instantiating;

    public bool InMigration;

    /// <summary>Finished (or never placed) and gone from the data center.</summary>
    public bool Removed;

    /// <summary>The VM's last state entry for the SLA totals (<see cref="VmStateAccumulator"/>).</summary>
    public VmStateAccumulator.Entry State;

    /// <summary>MIPS the VM asks for now; a VM being created asks for its full size.</summary>
    public readonly double Request => Instantiating ? Mips : Requested;

    /// <summary>The request with each virtual core capped at one physical core's MIPS.</summary>
    public readonly double CappedAt(double peMips) =>
        Cores == 1 ? Math.Min(Request, peMips) : Math.Min(Request / Cores, peMips) * Cores;
}
