namespace Roost.Controller.Drivers.Agents;

/// <summary>An agent's answer: the value, or one line saying what went wrong and where. Closed set: match on it.</summary>
internal abstract record AgentReply<T>
{
    private AgentReply()
    {
    }

    public sealed record Ok(T Value) : AgentReply<T>;

    /// <summary><see cref="Unreachable"/>: no HTTP answer at all (refused, timed out), as opposed to a problem reply.</summary>
    public sealed record Failed(string Detail, bool Unreachable) : AgentReply<T>;
}
