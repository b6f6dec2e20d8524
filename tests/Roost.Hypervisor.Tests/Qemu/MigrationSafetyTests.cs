using Roost.Hypervisor.Qemu;

namespace Roost.Hypervisor.Tests.Qemu;

public sealed class MigrationSafetyTests
{
    [Theory]
    [InlineData("7.2.22", false)]
    [InlineData("8.2.0", false)]
    [InlineData("9.0.0", true)]
    [InlineData("10.0.2", true)]
    public void Tcg_MigratesOnlyWithQemu9OrLater(string version, bool safe)
    {
        var refusal = MigrationSafety.Refusal(Accelerator.Tcg, Version.Parse(version));

        Assert.Equal(safe, refusal is null);
        if (refusal is not null)
        {
            Assert.Contains($"QEMU {version} under TCG loses guest writes", refusal, StringComparison.Ordinal);
            Assert.Contains("bookworm-backports", refusal, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Kvm_TracksDirtyPagesInTheKernel_AndIsNotRefused() =>
        Assert.Null(MigrationSafety.Refusal(Accelerator.Kvm, new Version(7, 2, 22)));
}
