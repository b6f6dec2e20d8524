namespace Roost.Hypervisor.Lab;

/// <summary>The outcome of tearing a lab down. Closed set: match on it.</summary>
public abstract record LabDownResult
{
    private LabDownResult()
    {
    }

    /// <summary>Everything recorded is gone: the namespaces removed, the relay and the processes found in the sites stopped.</summary>
    public sealed record Removed(IReadOnlyList<string> Namespaces, int ProcessesStopped) : LabDownResult;

    /// <summary>No lab of that name is recorded (nothing to do).</summary>
    public sealed record NotFound : LabDownResult;

    /// <summary>Something could not be removed; the state is kept so another <c>down</c> can finish.</summary>
    public sealed record Incomplete(string Reason) : LabDownResult;
}
