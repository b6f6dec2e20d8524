using Roost.Hypervisor.Images;

namespace Roost.Hypervisor.Tests.Images;

public sealed class GuestProfileTests
{
    [Fact]
    public void Profiles_AreMinimalFirst_ThenThreeWithDifferentContents()
    {
        Assert.Equal(["minimal", "python", "database", "kernel-b", "bft-executor"], GuestImageBuilder.Profiles);
        Assert.Equal(4, GuestProfile.All.Count);
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
        Assert.Equal("image profile 'windows' is unknown (known: minimal, python, database, kernel-b, bft-executor)", failed.Reason);
    }

    [Fact]
    public async Task Build_BftExecutorWithoutPayload_FailsInOneLine_AndNoOtherProfileTakesOne()
    {
        var builder = new GuestImageBuilder(Path.Combine(Path.GetTempPath(), "roost-no-such-cache"));

        var without = await builder.BuildAsync("bft-executor", CancellationToken.None);
        var with = await builder.BuildAsync("minimal", CancellationToken.None, new GuestPayload([("opt/x", [1], false)]));

        Assert.Equal("image profile 'bft-executor' carries files the caller supplies (the BFT executor): build it with 'roost image build' or 'roost agent'",
            Assert.IsType<ImageBuildResult.Failed>(without).Reason);
        Assert.Equal("image profile 'minimal' takes no payload", Assert.IsType<ImageBuildResult.Failed>(with).Reason);
        Assert.Throws<ArgumentException>(() => new GuestPayload([("../etc/passwd", [1], false)]));
    }
}
