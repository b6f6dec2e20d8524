namespace Roost.Controller.Store;

/// <summary>
/// How much an event asks of the operator: <see cref="Info"/>, something happened as intended; <see cref="Warning"/>,
/// something went wrong that the controller handles or retries (a hotspot, a failed migration); <see cref="Error"/>,
/// something it cannot mend alone (a host that does not answer, a VM that could not start).
/// </summary>
public enum EventSeverity
{
    Info,
    Warning,
    Error,
}
