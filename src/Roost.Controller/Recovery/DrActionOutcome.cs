using Roost.Core.Recovery;

namespace Roost.Controller.Recovery;

/// <summary>How a failover or failback forwarded to a cloud site went.</summary>
public abstract record DrActionOutcome
{
    private DrActionOutcome()
    {
    }

    /// <summary>The site started it (202) and says the VM is now as <see cref="Vm"/> shows.</summary>
    public sealed record Started(DrVmStatus Vm) : DrActionOutcome;

    /// <summary>The site answered 400, 404 or 409 with <see cref="Detail"/> (bounded, escaped).</summary>
    public sealed record Refused(int Status, string Detail) : DrActionOutcome;

    /// <summary>The site could not be asked, or its answer was not one of the above (the controller answers 502).</summary>
    public sealed record Failed(string Detail) : DrActionOutcome;
}
