namespace Roost.Hypervisor.Agent;

/// <summary>The result of an agent operation: a value or a problem. Closed set: match on it.</summary>
public abstract record AgentOutcome<T>
{
    private AgentOutcome()
    {
    }

    public static implicit operator AgentOutcome<T>(AgentProblem problem) => new Failed(problem);

    public sealed record Ok(T Value) : AgentOutcome<T>;

    public sealed record Failed(AgentProblem Problem) : AgentOutcome<T>;
}
