using Roost.Core.Migration;
using Roost.Hypervisor.Images;
using Roost.Hypervisor.Qemu;

namespace Roost.Hypervisor.Agent;

/// <summary>
/// How one host agent runs. <see cref="RunDirectory"/> holds its QEMU sockets and pidfiles; guest RAM files are
/// <c>/dev/shm/roost.NAME.VM</c>, so several agents on one machine never share a file.
/// </summary>
public sealed record AgentOptions(
    string Name,
    AgentCapacity Capacity,
    string Token,
    GuestImage Image,
    Accelerator Accelerator,
    string QemuBinary = "qemu-system-x86_64",
    string? RunDirectory = null,
    string ShmDirectory = "/dev/shm")
{
    /// <summary>How long a new guest may take to boot to its first report before admission fails.</summary>
    public TimeSpan BootTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Timeouts and parameters of outgoing migrations (this agent as the source).</summary>
    public MigrationSettings Migration { get; init; } = new();

    /// <summary>Timeouts of incoming migrations (this agent as the destination).</summary>
    public IncomingSettings Incoming { get; init; } = new();

    /// <summary>How long a migration ticket this agent issues may be used to admit its VM.</summary>
    public TimeSpan TicketLifetime { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// After a ticket expired, how long its holder may still complete or abort that migration, and how long an
    /// adoption stays in the ledger to answer it.
    /// </summary>
    public TimeSpan SettleWindow { get; init; } = TimeSpan.FromHours(1);

    /// <summary>How long connecting to a peer agent may take.</summary>
    public TimeSpan PeerConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The address QEMU listens on for incoming migrations (the agent's own listen address).</summary>
    public string MigrationHost { get; init; } = "127.0.0.1";

    /// <summary>Null when every option is in range, else one line naming the first that is not.</summary>
    public string? Validate()
    {
        if ((Migration.Validate() ?? Incoming.Validate()) is { } invalid)
        {
            return invalid;
        }

        return MigrationSettings.FirstOutOfRange(
            "agent option",
            (nameof(BootTimeout), BootTimeout), (nameof(TicketLifetime), TicketLifetime), (nameof(SettleWindow), SettleWindow),
            (nameof(PeerConnectTimeout), PeerConnectTimeout));
    }

    public string EffectiveRunDirectory => RunDirectory ?? Path.Combine(Path.GetTempPath(), "roost", Name);

    public string MemoryPathFor(string vmId) => Path.Combine(ShmDirectory, $"roost.{Name}.{vmId}");
}
