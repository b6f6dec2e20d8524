namespace Roost.Hypervisor.Relay;

/// <summary>
/// How long a relay end waits for each thing before it gives up (the migration then aborts and the VM stays on the
/// source): a connection (to the peer relay, from or to QEMU), the handshake, and one write to the peer or to QEMU
/// (a link that takes longer to accept bytes is treated as cut).
/// </summary>
public sealed record RelayTimeouts
{
    public TimeSpan Connect { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan Handshake { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan Write { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest silence from the peer relay while a stream is still due.</summary>
    public TimeSpan Idle { get; init; } = TimeSpan.FromSeconds(60);
}
