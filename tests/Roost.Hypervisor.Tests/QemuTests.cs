namespace Roost.Hypervisor.Tests;

/// <summary>The "qemu" test collection: every real-VM test shares one image and runs one at a time (the machine has few cores).</summary>
[CollectionDefinition(Name)]
public sealed class QemuTests : ICollectionFixture<QemuFixture>
{
    public const string Name = "qemu";
}
