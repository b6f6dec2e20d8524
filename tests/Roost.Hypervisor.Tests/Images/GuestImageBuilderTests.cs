using Roost.Hypervisor.Images;

namespace Roost.Hypervisor.Tests.Images;

public sealed class GuestImageBuilderTests
{
    [Fact]
    public void ImageHash_ChangesWhenAnythingThatGoesIntoTheImageChanges()
    {
        var scripts = GuestScripts.Load();
        var minimal = GuestProfile.All[0];
        var hash = GuestImageBuilder.ImageHash(scripts, minimal);

        string[] changed =
        [
            GuestImageBuilder.ImageHash(scripts with { Init = [.. scripts.Init, (byte)'\n'] }, minimal),
            GuestImageBuilder.ImageHash(scripts with { Reporter = [.. scripts.Reporter, (byte)'\n'] }, minimal),
            GuestImageBuilder.ImageHash(scripts with { MemtestSource = [.. scripts.MemtestSource, (byte)'\n'] }, minimal),
            GuestImageBuilder.ImageHash(scripts, minimal with { Warm = "true" }),
        ];

        Assert.Equal(hash, GuestImageBuilder.ImageHash(GuestScripts.Load(), minimal));
        Assert.All(changed, other => Assert.NotEqual(hash, other));
        Assert.Equal(changed.Length, changed.Distinct().Count());
    }

    [Fact]
    public void EmbeddedVerifier_IsTheCSourceTheImageCompiles()
    {
        var source = System.Text.Encoding.UTF8.GetString(GuestScripts.Load().MemtestSource);

        Assert.Contains("int main(int argc, char **argv)", source, StringComparison.Ordinal);
        Assert.Contains("memtest start", System.Text.Encoding.UTF8.GetString(GuestScripts.Load().Reporter), StringComparison.Ordinal);
    }
}
