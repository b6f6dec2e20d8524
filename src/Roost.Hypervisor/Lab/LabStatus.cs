using Roost.Hypervisor.Lab.Relay;

namespace Roost.Hypervisor.Lab;

/// <summary>A recorded lab as it is now: its state, whether its relay runs, which namespaces are missing, the relay's last counters.</summary>
public sealed record LabStatus(WanLabState State, bool RelayRunning, IReadOnlyList<string> MissingNamespaces, RelayStats? Relay)
{
    public bool Healthy => State.Complete && RelayRunning && MissingNamespaces.Count == 0;

    /// <summary>See <see cref="WanLabState.IsStale"/>: <see cref="WanLab.SweepStaleAsync"/> removes it.</summary>
    public bool Stale => State.IsStale;
}
