using Roost.Core.Model;

namespace Roost.Core.Sharing;

/// <summary>The outcome of asking a sharing placement policy where a VM should go. Closed set: match on it.</summary>
public abstract record SharingPlacementResult
{
    private SharingPlacementResult()
    {
    }

    /// <param name="Host">Where the VM goes.</param>
    /// <param name="EstimatedSharedPages">Pages the VM is estimated to share with the host's current VMs.</param>
    /// <param name="ChargedMemoryPages">Memory the host is charged: the VM's memory less the sharing credited.</param>
    public sealed record Placed(HostId Host, double EstimatedSharedPages, long ChargedMemoryPages) : SharingPlacementResult;

    public sealed record Rejected(string Reason) : SharingPlacementResult;
}
