using Roost.Core.Network;

namespace Roost.Hypervisor.Network;

/// <summary>What one reconciliation of a site did. Closed set: match on it.</summary>
public abstract record ReconcileResult
{
    private ReconcileResult()
    {
    }

    /// <summary>The kernel matches the plan; <paramref name="Applied"/> are the changes it took (none when it already matched).</summary>
    public sealed record Converged(IReadOnlyList<KernelChange> Applied) : ReconcileResult;

    /// <summary>Refused (bad intent, missing tool) or a command failed; one line saying which and why.</summary>
    public sealed record Failed(string Reason) : ReconcileResult;
}
