namespace Roost.Hypervisor.Tests;

/// <summary>
/// The "qemu" test collection: real-VM tests that run one at a time, among them those that share the fixture's booted
/// guest (<see cref="QemuFixture.SharedGuestAsync"/>) or hand one guest on to each other (<see cref="QemuFixture.OnceAsync"/>).
/// </summary>
/// <remarks>
/// The real-VM tests are spread over four collections of about equal length (<see cref="QemuTests"/>,
/// <see cref="QemuMigrationTests"/>, <see cref="QemuMigrationFaultTests"/>, <see cref="QemuNetworkTests"/>), each with
/// its own <see cref="QemuFixture"/> (own agents; the sweep of stale guests, the image and the KVM probe are done once
/// per test process). xUnit's default (conservative) scheduler runs at most as many tests at once as the machine has
/// cores, so on the 2-core machine this suite is sized for at most two real-VM tests still run at once; with four
/// queues instead of two, started longest first (<see cref="LongestFirstCollections"/>), neither core waits idle behind
/// one long queue at the end (docs/experiments/test-time.md).
/// </remarks>
[CollectionDefinition(Name)]
public sealed class QemuTests : ICollectionFixture<QemuFixture>
{
    public const string Name = "qemu";
}

/// <summary>The "qemu-migration" test collection: live migrations between two real agents that succeed.</summary>
[CollectionDefinition(Name)]
public sealed class QemuMigrationTests : ICollectionFixture<QemuFixture>
{
    public const string Name = "qemu-migration";
}

/// <summary>The "qemu-migration-faults" test collection: live migrations that fail midway or are refused, and the guest's NIC across a migration.</summary>
[CollectionDefinition(Name)]
public sealed class QemuMigrationFaultTests : ICollectionFixture<QemuFixture>
{
    public const string Name = "qemu-migration-faults";
}

/// <summary>The "qemu-network" test collection: real guests behind Roost's relays, disks, egress buffer and VPCs.</summary>
[CollectionDefinition(Name)]
public sealed class QemuNetworkTests : ICollectionFixture<QemuFixture>
{
    public const string Name = "qemu-network";
}
