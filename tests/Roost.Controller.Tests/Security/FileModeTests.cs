using System.Runtime.Versioning;
using Roost.Controller.Security;
using Roost.Controller.Tests.Api;

namespace Roost.Controller.Tests.Security;

/// <summary>The data directory is 0700 and the token, the SQLite files and the lock file 0600, from their creation on.</summary>
[UnsupportedOSPlatform("windows")]
public sealed class FileModeTests
{
    private const UnixFileMode Directory0700 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode File0600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public async Task AFreshDataDirectory_AndEverythingInIt_IsOwnerOnly()
    {
        using var parent = new TempDirectory();
        var data = Path.Combine(parent.Path, "data");
        var options = ControllerFixture.Options(parent) with { DataDirectory = data };

        await using (var controller = await ControllerApp.StartAsync(options, default, new ManualTimeProvider()))
        {
            await controller.Loop.StepAsync(default);

            Assert.Equal(Directory0700, File.GetUnixFileMode(data));
            foreach (var name in new[] { "token", "roost.db", "roost.db-wal", "roost.db-shm", "roost.db.lock" })
            {
                var path = Path.Combine(data, name);
                Assert.True(File.Exists(path), $"{name} missing");
                Assert.Equal((name, File0600), (name, File.GetUnixFileMode(path)));
            }
        }
    }

    [Fact]
    public async Task TooOpenFiles_AreTightenedTo0600_OnStart()
    {
        using var data = new TempDirectory();
        await using (var first = await ControllerApp.StartAsync(ControllerFixture.Options(data), default, new ManualTimeProvider()))
        {
            await first.Loop.StepAsync(default);
        }

        var open = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        File.SetUnixFileMode(Path.Combine(data.Path, "token"), open);
        File.SetUnixFileMode(Path.Combine(data.Path, "roost.db"), open);

        await using var second = await ControllerApp.StartAsync(ControllerFixture.Options(data), default, new ManualTimeProvider());

        Assert.Equal(File0600, File.GetUnixFileMode(Path.Combine(data.Path, "token")));
        Assert.Equal(File0600, File.GetUnixFileMode(Path.Combine(data.Path, "roost.db")));
    }

    [Fact]
    public async Task ADataDirectoryOthersCanEnter_IsRefusedWithOneLine()
    {
        using var data = new TempDirectory();
        File.SetUnixFileMode(data.Path, Directory0700 | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);

        var e = await Assert.ThrowsAsync<StartupException>(() => ControllerApp.StartAsync(ControllerFixture.Options(data), default, new ManualTimeProvider()));

        Assert.Contains($"--data {data.Path}: mode 0755 lets other users in; run 'chmod 700 {data.Path}'", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
        Assert.False(File.Exists(Path.Combine(data.Path, "token")));
    }

    [Fact]
    public void Tighten_ReportsWhatItChanged()
    {
        using var data = new TempDirectory();
        var file = Path.Combine(data.Path, "f");
        File.WriteAllText(file, "x");
        File.SetUnixFileMode(file, File0600 | UnixFileMode.OtherRead);

        var note = OwnerOnly.Tighten(file);

        Assert.Equal($"{file}: was mode 0604, readable by others; now 0600", note);
        Assert.Null(OwnerOnly.Tighten(file));
    }
}
