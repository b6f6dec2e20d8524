using Roost.Hypervisor.Qemu;

namespace Roost.Hypervisor.Tests.Qemu;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PrivateFilesTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"roost-private-{Environment.ProcessId}-{Path.GetRandomFileName()}");

    [Fact]
    public void CreateEmptyFile_IsOwnerOnly_AndRefusesAnExistingFile()
    {
        PrivateFiles.CreateDirectory(_root);
        var path = Path.Combine(_root, "ram");

        PrivateFiles.CreateEmptyFile(path);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Throws<IOException>(() => PrivateFiles.CreateEmptyFile(path));
    }

    [Fact]
    public void CreateSparseFile_IsOwnerOnly_OfItsLength_AndRefusesAnExistingFile()
    {
        PrivateFiles.CreateDirectory(_root);
        var path = Path.Combine(_root, "disk");

        PrivateFiles.CreateSparseFile(path, 64L * 1024 * 1024);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(64L * 1024 * 1024, new FileInfo(path).Length);
        Assert.Throws<IOException>(() => PrivateFiles.CreateSparseFile(path, 4096));
    }

    [Fact]
    public void CreateSparseFile_TooLargeForTheFileSystem_LeavesNoFile()
    {
        PrivateFiles.CreateDirectory(_root);
        var path = Path.Combine(_root, "disk");

        Assert.Throws<IOException>(() => PrivateFiles.CreateSparseFile(path, long.MaxValue));

        Assert.False(File.Exists(path));
    }

    [Fact]
    public void RequireOwnerOnlyDirectory_RefusesADirectoryOthersMayEnter_AndAMissingOne()
    {
        PrivateFiles.CreateDirectory(_root);
        PrivateFiles.RequireOwnerOnlyDirectory(_root);

        File.SetUnixFileMode(_root, PrivateFiles.DirectoryMode | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);

        Assert.Contains("must be owner-only", Assert.Throws<IOException>(() => PrivateFiles.RequireOwnerOnlyDirectory(_root)).Message, StringComparison.Ordinal);
        Assert.Contains("no such directory", Assert.Throws<IOException>(() => PrivateFiles.RequireOwnerOnlyDirectory(Path.Combine(_root, "missing"))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CreateDirectory_NarrowsAnExistingDirectory_AndItsNewParents()
    {
        var parent = Path.Combine(_root, "a");
        var child = Path.Combine(parent, "b");
        Directory.CreateDirectory(_root);
        File.SetUnixFileMode(_root, (UnixFileMode)0b111_101_101);

        PrivateFiles.CreateDirectory(child);
        PrivateFiles.CreateDirectory(_root);

        Assert.All(new[] { _root, parent, child }, d => Assert.Equal(PrivateFiles.DirectoryMode, File.GetUnixFileMode(d)));
    }

    [Fact]
    public async Task WriteAllBytes_ReplacesAWorldReadableFile_WithAnOwnerOnlyOne()
    {
        PrivateFiles.CreateDirectory(_root);
        var path = Path.Combine(_root, "fingerprint");
        await File.WriteAllTextAsync(path, "old");
        File.SetUnixFileMode(path, (UnixFileMode)0b110_100_100);

        await PrivateFiles.WriteAllBytesAsync(path, new byte[] { 1, 2, 3 }, CancellationToken.None);

        Assert.Equal(PrivateFiles.FileMode, File.GetUnixFileMode(path));
        Assert.Equal(new byte[] { 1, 2, 3 }, await File.ReadAllBytesAsync(path));
    }

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}
