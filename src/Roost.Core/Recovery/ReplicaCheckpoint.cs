namespace Roost.Core.Recovery;

/// <summary>
/// A crash-consistent point in time the cloud site can restore: for every protected VM, the prefix of its writes
/// applied at <see cref="At"/> (<see cref="Applied"/>). Writes are applied strictly in order, so every prefix is a
/// state the VM's disk was in.
/// </summary>
public sealed record ReplicaCheckpoint(long Id, TimeSpan At, DependencyVector Applied);
