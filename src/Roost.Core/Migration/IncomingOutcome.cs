namespace Roost.Core.Migration;

/// <summary>How the destination's side of a migration ended. Closed set: match on it.</summary>
public abstract record IncomingOutcome
{
    private IncomingOutcome()
    {
    }

    /// <summary>The guest runs here; the reservation is now the VM's.</summary>
    public sealed record Adopted : IncomingOutcome;

    /// <summary>Nothing of the VM is left here and its reservation is released. <see cref="Reason"/> says why.</summary>
    public sealed record Dropped(string Reason) : IncomingOutcome;
}
