namespace Roost.Controller.Api;

/// <summary>Whether the controller drives a simulated data center (<c>roost serve</c> alone) or real hosts through their agents (<c>--agents</c>).</summary>
public enum DriverKind
{
    Simulated,
    Real,
}
