namespace Roost.Controller.Api;

/// <summary>The new bearer token after a rotation; the old one stops working at once.</summary>
public sealed record TokenResponse(string Token);
