using System.Net;

namespace Roost.Hypervisor.Recovery;

/// <summary>
/// What <c>POST /vms/{vm}/failover</c> and <c>POST /vms/{vm}/failback</c> on the status listener ask the cloud site to
/// do. Each starts the action and returns at once (the status shows its progress), or refuses with a reason.
/// </summary>
public interface IDrSiteActions
{
    /// <summary>Fence <paramref name="vm"/>, export its replica at the latest consistent point and boot it here.</summary>
    DrActionResult Failover(int vm, string trigger);

    /// <summary>Stop the failed-over <paramref name="vm"/> and make the recovered primary's disk at <paramref name="primary"/> equal to it.</summary>
    DrActionResult Failback(int vm, IPEndPoint primary);
}

/// <summary>The answer to an action: started, or refused (404: no such VM; 409: not in a state that allows it).</summary>
public abstract record DrActionResult
{
    private DrActionResult()
    {
    }

    public sealed record Started : DrActionResult;

    public sealed record UnknownVm : DrActionResult;

    public sealed record Conflict(string Reason) : DrActionResult;
}
