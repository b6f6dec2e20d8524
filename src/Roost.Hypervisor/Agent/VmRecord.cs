namespace Roost.Hypervisor.Agent;

/// <summary>
/// What an agent writes beside each QEMU it runs (<c>RUN/ID.vm.json</c>) so that, restarted after a crash, it can
/// take the VM over: its size, whether it is only an incoming half, where an outgoing migration was headed and with
/// which ticket (to settle it with the destination), and whether it was just adopted from a migration (a paused
/// guest then must be resumed: the source was told it runs here).
/// </summary>
internal sealed record VmRecord(string Id, int Cpus, int MemoryMiB, bool Incoming, string? MigratingTo)
{
    public string? Ticket { get; init; }

    public bool MigratedIn { get; init; }

    /// <summary>The size of its virtual disk (<c>RUN/ID.disk</c>) in MiB; 0 for none.</summary>
    public int DiskMiB { get; init; }

    /// <summary>The VM's network card, if it has one (its tap stays on the bridge while QEMU runs).</summary>
    public NicRequest? Nic { get; init; }

    /// <summary>The image profile it was started with (null: the agent's default, as before images were per VM).</summary>
    public string? Image { get; init; }
}
