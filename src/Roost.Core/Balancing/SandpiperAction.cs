using Roost.Core.Model;

namespace Roost.Core.Balancing;

/// <summary>One step of a Sandpiper plan, with the reason it was chosen. Closed set: match on it.</summary>
public abstract record SandpiperAction
{
    private SandpiperAction()
    {
    }

    public abstract string Reason { get; init; }

    /// <summary>Change a VM's allocation in place on its host (journal version: resize before migrating).</summary>
    public sealed record Resize(VmId Vm, HostId Host, ResourceVector From, ResourceVector To, string Reason) : SandpiperAction
    {
        public override string ToString() => $"resize {Vm} on {Host} {From} -> {To}: {Reason}";
    }

    /// <summary>Live-migrate a VM; on arrival it holds <paramref name="Allocation"/> (its profiled needs, at least its old allocation).</summary>
    public sealed record Migrate(VmId Vm, HostId From, HostId To, ResourceVector Allocation, string Reason) : SandpiperAction
    {
        public override string ToString() => $"migrate {Vm} {From} -> {To} with {Allocation}: {Reason}";
    }

    /// <summary>
    /// Exchange a hot VM with one or more colder VMs of another host: every migration in <paramref name="Migrations"/>
    /// happens together (the first moves the hot VM). Used only when no single migration relieves the hotspot.
    /// </summary>
    public sealed record Swap(IReadOnlyList<Migrate> Migrations, string Reason) : SandpiperAction
    {
        public override string ToString() =>
            $"swap [{string.Join("; ", Migrations.Select(m => $"{m.Vm} {m.From} -> {m.To}"))}]: {Reason}";
    }
}
