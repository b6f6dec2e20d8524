using Roost.Core.Migration;
using Roost.Core.Migration.Stream;
using Roost.Hypervisor.Images;
using Roost.Hypervisor.Logging;
using Roost.Hypervisor.Qemu;
using Roost.Hypervisor.Relay;

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
    /// <summary>The console log: a line of text (default) or a JSON object per entry (<c>roost agent --log-format json</c>).</summary>
    public LogFormat LogFormat { get; init; } = LogFormat.Text;

    /// <summary>How long a new guest may take to boot to its first report before admission fails.</summary>
    public TimeSpan BootTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Timeouts and parameters of outgoing migrations (this agent as the source).</summary>
    public MigrationSettings Migration { get; init; } = new();

    /// <summary>Deadlines of moving a VM's disk with its memory (this agent as the source).</summary>
    public Roost.Core.Migration.Disk.DiskMigrationSettings DiskMigration { get; init; } = new();

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

    /// <summary>How outgoing migrations carry their stream: through the relay ends (the default) or plain TCP.</summary>
    public MigrationTransportKind MigrationTransport { get; init; } = MigrationTransportKind.Relay;

    /// <summary>What the source's relay does to the pages (deduplication, deltas, compression), for experiments.</summary>
    public RelayCodecOptions RelayCodec { get; init; } = new();

    /// <summary>How long either relay end waits for each thing before it fails the migration.</summary>
    public RelayTimeouts RelayTimeouts { get; init; } = new();

    /// <summary>What this agent's destination relay offers as held content (<see cref="Agent.MigrationPins"/>; default the image).</summary>
    public MigrationPins MigrationPins { get; init; } = MigrationPins.Image;

    /// <summary>The source relay's link send buffer in bytes (0: the kernel's autotuning); about 2 x bandwidth x RTT.</summary>
    public int RelaySendBufferBytes { get; init; }

    /// <summary>
    /// The networks this agent's VMs may join: network name → the host bridge (in the agent's network namespace) their
    /// taps are attached to. A VM asking for any other network is refused; a bridge name never comes from a client.
    /// </summary>
    public IReadOnlyDictionary<string, string> Networks { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// Guest RAM as mergeable private memory (<see cref="QemuLaunch.MergeableMemory"/>), so Linux KSM can merge the
    /// guests' equal pages; then no <c>/dev/shm</c> file is made and guest RAM is read through <c>/proc/PID/mem</c>.
    /// </summary>
    public bool MergeableMemory { get; init; }

    /// <summary>
    /// Further guest images its VMs may ask for by profile name (<see cref="Qemu.GuestSpec.Image"/>), beside
    /// <see cref="Image"/>, the default. Distinct profiles.
    /// </summary>
    public IReadOnlyList<GuestImage> ExtraImages { get; init; } = [];

    /// <summary>
    /// How far admission may reserve guest RAM beyond the declared capacity, in [1, 2] (default 1: never). Above 1
    /// only with <see cref="MergeableMemory"/>: the host then relies on Linux KSM merging equal guest pages, as Memory
    /// Buddies' placement credits them; the capacity it declares (what a controller places against) is unchanged.
    /// </summary>
    public double MemoryOvercommit { get; init; } = 1;

    public const double MaxMemoryOvercommit = 2;

    /// <summary>The image profile names a VM may ask for, the default first.</summary>
    public IReadOnlyList<string> OfferedImages => [Image.Profile, .. ExtraImages.Select(i => i.Profile)];

    /// <summary>What admission reserves up to: the capacity, its memory times <see cref="MemoryOvercommit"/>.</summary>
    public AgentCapacity AdmissionLimit => Capacity with { MemoryMiB = (int)Math.Min(int.MaxValue, Math.Floor(Capacity.MemoryMiB * MemoryOvercommit)) };

    /// <summary>The image of profile <paramref name="profile"/> (null: the default), or null when this agent does not offer it.</summary>
    public GuestImage? ImageFor(string? profile) =>
        profile is null || profile == Image.Profile ? Image : ExtraImages.FirstOrDefault(i => i.Profile == profile);

    /// <summary>Null when every option is in range, else one line naming the first that is not.</summary>
    public string? Validate()
    {
        if (!(MemoryOvercommit >= 1 && MemoryOvercommit <= MaxMemoryOvercommit) || (MemoryOvercommit > 1 && !MergeableMemory))
        {
            return $"agent option {nameof(MemoryOvercommit)} {MemoryOvercommit.ToString(System.Globalization.CultureInfo.InvariantCulture)} must lie in [1, {MaxMemoryOvercommit}], and above 1 only with mergeable memory (KSM backs it)";
        }

        if (OfferedImages.Distinct(StringComparer.Ordinal).Count() != OfferedImages.Count)
        {
            return $"agent images {string.Join(", ", OfferedImages)}: each profile once";
        }

        foreach (var (network, bridge) in Networks)
        {
            if (!GuestNic.IsValidNetworkName(network) || !Roost.Core.Network.SiteFabric.IsInterfaceName(bridge))
            {
                return $"agent network '{network}={bridge}': the name must be 1 to 32 lower-case letters, digits or dashes and the bridge an interface name (1 to 15 letters, digits, '-' or '_')";
            }
        }

        if ((Migration.Validate() ?? Incoming.Validate() ?? RelayCodec.Validate()
            ?? MigrationSettings.FirstOutOfRange("disk migration setting", (nameof(DiskMigration.StepTimeout), DiskMigration.StepTimeout),
                (nameof(DiskMigration.CopyTimeout), DiskMigration.CopyTimeout), (nameof(DiskMigration.MemoryTimeout), DiskMigration.MemoryTimeout))) is { } invalid)
        {
            return invalid;
        }

        if (!Enum.IsDefined(MigrationTransport) || !Enum.IsDefined(MigrationPins) || RelaySendBufferBytes is < 0 or > 64 * 1024 * 1024)
        {
            return $"agent option {nameof(MigrationTransport)} {MigrationTransport}, {nameof(MigrationPins)} {MigrationPins} or {nameof(RelaySendBufferBytes)} {RelaySendBufferBytes} is out of range";
        }

        if (MigrationSettings.FirstOutOfRange(
            "relay timeout", (nameof(RelayTimeouts.Connect), RelayTimeouts.Connect), (nameof(RelayTimeouts.Handshake), RelayTimeouts.Handshake),
            (nameof(RelayTimeouts.Write), RelayTimeouts.Write), (nameof(RelayTimeouts.Idle), RelayTimeouts.Idle)) is { } timeout)
        {
            return timeout;
        }

        return MigrationSettings.FirstOutOfRange(
            "agent option",
            (nameof(BootTimeout), BootTimeout), (nameof(TicketLifetime), TicketLifetime), (nameof(SettleWindow), SettleWindow),
            (nameof(PeerConnectTimeout), PeerConnectTimeout));
    }

    public string EffectiveRunDirectory => RunDirectory ?? Path.Combine(Path.GetTempPath(), "roost", Name);

    public string MemoryPathFor(string vmId) => Path.Combine(ShmDirectory, $"roost.{Name}.{vmId}");
}
