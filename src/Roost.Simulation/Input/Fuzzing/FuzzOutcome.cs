namespace Roost.Simulation.Input.Fuzzing;

/// <summary>What a reader did with one malformed input. Closed set: match on it.</summary>
public abstract record FuzzOutcome
{
    private FuzzOutcome()
    {
    }

    /// <summary>Refused as bad input, with the line a user would see.</summary>
    public sealed record Rejected(string Message) : FuzzOutcome;

    /// <summary>Accepted; <see cref="Problem"/> says what is wrong with what was read (a NaN, an overflow), if anything.</summary>
    public sealed record Accepted(string? Problem) : FuzzOutcome;
}
