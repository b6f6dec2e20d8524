namespace Roost.Hypervisor.Tests;

/// <summary>
/// The "qemu" test collection: real-VM tests that share one image and run one at a time. With
/// <see cref="QemuMigrationTests"/> beside it, at most two real-VM tests run at once: one per core of the 2-core
/// machine this suite is sized for.
/// </summary>
[CollectionDefinition(Name)]
public sealed class QemuTests : ICollectionFixture<QemuFixture>
{
    public const string Name = "qemu";
}

/// <summary>
/// The "qemu-migration" test collection: the live-migration tests between two real agents (<c>LiveMigrationTests</c>,
/// about 2 min 15 s), one at a time, with their own fixture (so their own agents), in parallel with
/// <see cref="QemuTests"/> (about 3 min 15 s with <c>HostileDestinationTests</c>). In one collection the real-VM tests
/// took about 5 min 30 s and were the critical path of the README's test command.
/// </summary>
[CollectionDefinition(Name)]
public sealed class QemuMigrationTests : ICollectionFixture<QemuFixture>
{
    public const string Name = "qemu-migration";
}
