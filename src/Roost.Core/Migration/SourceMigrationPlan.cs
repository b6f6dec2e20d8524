namespace Roost.Core.Migration;

/// <summary>
/// One outgoing migration: the VM, the destination agent (<see cref="Destination"/>, its URL, for messages) and the
/// host QEMU streams to (<see cref="DestinationHost"/>: the host of that URL, never one a peer names).
/// </summary>
public sealed record SourceMigrationPlan(string VmId, string Destination, string DestinationHost, MigrationSettings Settings);
