namespace Roost.Hypervisor.Lab.Relay;

/// <summary>Why a relay stopped. Closed set: match on it.</summary>
public abstract record RelayExit
{
    private RelayExit()
    {
    }

    /// <summary>Asked to stop (SIGTERM, Ctrl-C, the caller's token).</summary>
    public sealed record Stopped : RelayExit;

    /// <summary>One of its interfaces was deleted: the lab was torn down around it.</summary>
    public sealed record InterfaceGone(string Port) : RelayExit;

    /// <summary>The process that owned the lab (a test run) is gone.</summary>
    public sealed record OwnerGone(ProcessIdentity Owner) : RelayExit;
}
