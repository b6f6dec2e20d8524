namespace Roost.Hypervisor.Agent;

/// <summary>
/// The destination's answer to the disk calls of a migration: the VM and, for an export, the port of its NBD relay on
/// the migration address (0 for close and discard). Only the port: the source connects to the host of the
/// destination agent it was asked to migrate to.
/// </summary>
public sealed record IncomingDiskResponse(string Id, int Port);
