namespace Roost.Controller.Api;

/// <summary>The service answers; when the control loop last published a step and how many it has run.</summary>
public sealed record HealthResponse(string Status, DateTimeOffset LastStepAt, long Steps);
