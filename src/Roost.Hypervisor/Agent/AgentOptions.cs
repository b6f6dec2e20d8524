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

    /// <summary>How long an incoming VM may wait for its migration to complete before it is destroyed.</summary>
    public TimeSpan IncomingTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The address QEMU listens on for incoming migrations (the agent's own listen address).</summary>
    public string MigrationHost { get; init; } = "127.0.0.1";

    public string EffectiveRunDirectory => RunDirectory ?? Path.Combine(Path.GetTempPath(), "roost", Name);

    public string MemoryPathFor(string vmId) => Path.Combine(ShmDirectory, $"roost.{Name}.{vmId}");
}
