using Roost.Hypervisor.Images;

namespace Roost.Hypervisor.Tests.Images;

public sealed class GuestProfileTests
{
    [Fact]
    public void Profiles_AreMinimalFirst_ThenThreeWithDifferentContents()
    {
        Assert.Equal(["minimal", "python", "database", "kernel-b"], GuestImageBuilder.Profiles);
        var minimal = GuestProfile.All[0];
        Assert.Empty(minimal.Packages);
        Assert.Equal("", minimal.Warm);
        Assert.NotEqual(minimal.KernelMetaPackage, GuestProfile.Find("kernel-b")?.KernelMetaPackage);
        Assert.Contains("python3.11-minimal", GuestProfile.Find("python")?.Packages ?? []);
        Assert.Contains("sqlite3", GuestProfile.Find("database")?.Packages ?? []);
    }

    [Fact]
    public async Task Build_UnknownProfile_FailsNamingTheKnownOnes()
    {
        var builder = new GuestImageBuilder(Path.Combine(Path.GetTempPath(), "roost-no-such-cache"));

        var result = await builder.BuildAsync("windows", CancellationToken.None);

        var failed = Assert.IsType<ImageBuildResult.Failed>(result);
        Assert.Equal("image profile 'windows' is unknown (known: minimal, python, database, kernel-b)", failed.Reason);
    }
}
