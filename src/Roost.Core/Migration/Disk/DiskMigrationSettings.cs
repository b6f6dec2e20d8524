namespace Roost.Core.Migration.Disk;

/// <summary>
/// Deadlines of a disk migration. <see cref="CopyTimeout"/> bounds the background copy (a 1 GiB disk over
/// 100 Mbit/s takes about 90 s); <see cref="MemoryTimeout"/> the memory phase while the disk is synchronous; every
/// other step (one command, one peer call) is bounded by <see cref="StepTimeout"/>.
/// </summary>
public sealed record DiskMigrationSettings
{
    public TimeSpan StepTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan CopyTimeout { get; init; } = TimeSpan.FromMinutes(30);

    public TimeSpan MemoryTimeout { get; init; } = TimeSpan.FromMinutes(30);
}
