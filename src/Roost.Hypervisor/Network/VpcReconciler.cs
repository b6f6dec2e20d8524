using Roost.Core.Network;
using Roost.Hypervisor.Images;
using Roost.Hypervisor.Lab;

namespace Roost.Hypervisor.Network;

/// <summary>
/// Makes one site's kernel hold exactly the VPC objects the intent implies: plans (<see cref="SitePlanner"/>), reads
/// the kernel (<see cref="SiteObserver"/>), applies the difference (<see cref="SiteDiff"/>) and reads again to confirm.
/// Idempotent: a restart of the controller or the agent reruns it and changes nothing; an intent without a VPC
/// removes every bridge, tunnel, enterprise link and namespace, filter table and htb Roost made at the site.
/// </summary>
/// <remarks>Runs as root (CAP_NET_ADMIN). Not thread-safe per site: one owner (the site's agent or a test) reconciles it.</remarks>
public static class VpcReconciler
{
    private static readonly string[] _tools = ["ip", "bridge", "tc", "nft"];

    /// <summary>Reconciles the site in <paramref name="siteNamespace"/> (a lab site), or in this process's own namespace when null.</summary>
    public static async Task<ReconcileResult> ReconcileAsync(NetworkIntent intent, SiteFabric fabric, string? siteNamespace, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(intent);
        ArgumentNullException.ThrowIfNull(fabric);
        if ((fabric.Validate() ?? intent.Validate() ?? SitePlanner.ValidateFor(intent, fabric)) is { } invalid)
        {
            return new ReconcileResult.Failed(invalid);
        }

        if (_tools.FirstOrDefault(tool => ExternalCommand.FindOnPath(tool) is null) is { } missing)
        {
            return new ReconcileResult.Failed($"'{missing}' is not on PATH (Debian: apt-get install iproute2 nftables)");
        }

        if (siteNamespace is not null && !NetworkNamespace.Exists(siteNamespace))
        {
            return new ReconcileResult.Failed($"site {fabric.Site}: network namespace {siteNamespace} does not exist");
        }

        var plan = SitePlanner.Plan(intent, fabric);
        try
        {
            var observed = await SiteObserver.ObserveAsync(fabric, siteNamespace, cancellationToken).ConfigureAwait(false);
            var changes = SiteDiff.Changes(plan, observed);
            foreach (var change in changes)
            {
                // No change before the shaping one touches the uplink's qdiscs: the observed tbf is still the root.
                foreach (var command in KernelCommands.For(change, plan, siteNamespace, observed.UplinkTbfHandle))
                {
                    if (await WanLab.RunAsync(command, cancellationToken).ConfigureAwait(false) is { } failure)
                    {
                        return new ReconcileResult.Failed($"site {fabric.Site}: {failure}");
                    }
                }
            }

            var remaining = SiteDiff.Changes(plan, await SiteObserver.ObserveAsync(fabric, siteNamespace, cancellationToken).ConfigureAwait(false));
            return remaining.Count == 0
                ? new ReconcileResult.Converged(changes)
                : new ReconcileResult.Failed($"site {fabric.Site}: still differs from the plan after applying it: {string.Join("; ", remaining)}");
        }
        catch (IOException e)
        {
            return new ReconcileResult.Failed($"site {fabric.Site}: {e.Message}");
        }
    }
}
