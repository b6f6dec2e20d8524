namespace Roost.Hypervisor.Agent;

/// <summary>
/// What an agent writes beside each QEMU it runs (<c>RUN/ID.vm.json</c>) so that, restarted after a crash, it can
/// take the VM over: its size, whether it is only an incoming half, and where an outgoing migration was headed.
/// </summary>
internal sealed record VmRecord(string Id, int Cpus, int MemoryMiB, bool Incoming, string? MigratingTo);
