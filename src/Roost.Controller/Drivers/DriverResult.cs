namespace Roost.Controller.Drivers;

/// <summary>A driver's answer to a command. Closed set: match on it.</summary>
public abstract record DriverResult
{
    private DriverResult()
    {
    }

    public static DriverResult Ok { get; } = new Accepted();

    public sealed record Accepted : DriverResult;

    public sealed record Refused(string Reason) : DriverResult;
}
