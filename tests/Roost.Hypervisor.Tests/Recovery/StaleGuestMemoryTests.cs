using Roost.Hypervisor.Recovery;

namespace Roost.Hypervisor.Tests.Recovery;

/// <summary>
/// <see cref="StaleGuestMemory.Sweep"/>: a RAM file of a <c>roost dr</c> process that no longer exists is removed;
/// a live process's, a file of another user (when the test runs as root and can make one) and other names are kept.
/// </summary>
public sealed class StaleGuestMemoryTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("roost-drshm-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Sweep_RemovesOnlyThisUsersFilesOfGoneProcesses()
    {
        // A pid above the kernel's pid_max can never be a live process.
        var gone = int.Parse(File.ReadAllText("/proc/sys/kernel/pid_max").Trim(), System.Globalization.CultureInfo.InvariantCulture) + 1;
        string[] names = [$"roost.dr.{gone}.dr-vm-1", $"roost.dr.{Environment.ProcessId}.dr-vm-1", "roost.dr.1.dr-vm-1", $"roost.drt.{gone}", $"roost.dr.x{gone}.vm"];
        foreach (var name in names)
        {
            await File.WriteAllTextAsync(Path.Combine(_folder, name), "ram");
        }

        var others = Path.Combine(_folder, $"roost.dr.{gone}.dr-vm-2");
        await File.WriteAllTextAsync(others, "ram");
        var chown = Environment.UserName == "root"
            ? await Roost.Hypervisor.Images.ExternalCommand.RunAsync("chown", ["65534", others], "/", CancellationToken.None)
            : null;

        var removed = StaleGuestMemory.Sweep(_folder, "roost.dr.");

        Assert.Equal([Path.Combine(_folder, names[0])], removed.Where(r => r != others));
        Assert.All(names.Skip(1), n => Assert.True(File.Exists(Path.Combine(_folder, n)), n));
        Assert.Equal(chown?.ExitCode == 0, File.Exists(others));
    }
}
