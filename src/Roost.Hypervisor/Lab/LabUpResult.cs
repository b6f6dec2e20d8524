namespace Roost.Hypervisor.Lab;

/// <summary>The outcome of bringing a lab up. Closed set: match on it.</summary>
public abstract record LabUpResult
{
    private LabUpResult()
    {
    }

    /// <summary>The lab runs; <paramref name="AlreadyUp"/> when it was already up with the same options (nothing changed).</summary>
    public sealed record Up(WanLab Lab, bool AlreadyUp) : LabUpResult;

    /// <summary>Nothing of the lab remains; <paramref name="Reason"/> is one line for the user.</summary>
    public sealed record Refused(string Reason) : LabUpResult;
}
