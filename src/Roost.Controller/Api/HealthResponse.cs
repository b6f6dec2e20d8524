namespace Roost.Controller.Api;

/// <summary>
/// <c>ok</c> (200): active and stepping. Otherwise 503 with <see cref="Reason"/>: <c>standby</c> (another controller is
/// the store's writer), <c>starting</c>, <c>degraded</c> (control steps fail or have stopped), <c>stopped</c>. When
/// the control loop last published a step and how many it has run.
/// </summary>
public sealed record HealthResponse(string Status, string? Reason, DateTimeOffset LastStepAt, long Steps);
