using Roost.Hypervisor.Agent;

namespace Roost.Hypervisor.Ksm;

/// <summary>What <c>GET /api/agent/ksm</c> answers: KSM's settings and counters on the agent's machine (machine-wide).</summary>
public sealed record KsmStatus(KsmSettings Settings, KsmCounters Counters)
{
    /// <summary>Reads both, or a problem: the host has no KSM (409), or its files cannot be read (500).</summary>
    public static AgentOutcome<KsmStatus> Read(KsmControl control)
    {
        ArgumentNullException.ThrowIfNull(control);
        if (!File.Exists(Path.Combine(control.Directory, "run")))
        {
            return AgentProblem.Conflict($"this host has no KSM ({control.Directory} does not exist)");
        }

        try
        {
            return new AgentOutcome<KsmStatus>.Ok(new KsmStatus(control.ReadSettings(), control.ReadCounters()));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return AgentProblem.HypervisorFailed($"cannot read KSM: {e.Message}");
        }
    }
}
