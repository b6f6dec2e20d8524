using Roost.Hypervisor.Tests.Lab;

namespace Roost.Hypervisor.Tests.Network;

/// <summary>A fact that builds a lab and VPCs in it; skipped, with the reason, where labs cannot be built or nft is missing.</summary>
public sealed class NetworkLabFactAttribute : FactAttribute
{
    /// <param name="needsQemu">Whether the test also boots real guests (then it is skipped, with the reason, without QEMU).</param>
    public NetworkLabFactAttribute(bool needsQemu = false)
    {
        if (needsQemu && QemuEnvironment.SkipReason is { } qemu)
        {
            Skip = qemu;
        }
        else if (LabEnvironment.SkipReason is { } reason)
        {
            Skip = reason;
        }
        else if (QemuEnvironment.Find("nft") is null || QemuEnvironment.Find("bridge") is null)
        {
            Skip = "'nft' or 'bridge' is not on PATH: install the Debian packages nftables and iproute2 (.ci/run does)";
        }
    }
}
