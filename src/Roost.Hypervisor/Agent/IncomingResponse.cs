namespace Roost.Hypervisor.Agent;

/// <summary>
/// The destination's answer to <c>POST /api/incoming</c>: the VM admitted and the port its QEMU listens on for the
/// stream. Only the port: the source streams to the host of the destination agent it was asked to migrate to, never
/// to a host or URI a peer names.
/// </summary>
public sealed record IncomingResponse(string Id, int Port);
