using System.Text.Json;

namespace Roost.Hypervisor.Qmp;

/// <summary>An asynchronous QMP event (<c>STOP</c>, <c>RESUME</c>, <c>MIGRATION</c>, <c>SHUTDOWN</c>, …) with its data.</summary>
public sealed record QmpEvent(string Name, JsonElement Data, DateTimeOffset Timestamp);
