namespace Roost.Hypervisor.Agent;

/// <summary>The destination's answer to <c>POST /api/incoming</c>: where its QEMU listens for the migration stream.</summary>
public sealed record IncomingResponse(string Id, string MigrationUri);
