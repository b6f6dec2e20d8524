using System.Globalization;
using System.Text;

namespace Roost.Hypervisor.Images;

/// <summary>
/// Writes a cpio archive in the "newc" format the Linux kernel unpacks as an initramfs
/// (Documentation/driver-api/early-userspace/buffer-format.rst). Timestamps and owners are zero so equal
/// inputs give equal bytes.
/// </summary>
internal sealed class CpioWriter
{
    private const int DirectoryMode = 0x4000;
    private const int RegularFileMode = 0x8000;
    private const int CharacterDeviceMode = 0x2000;
    private const int SymbolicLinkMode = 0xA000;

    private readonly Stream _output;
    private int _inode = 1;

    public CpioWriter(Stream output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
    }

    public void AddDirectory(string path, int permissions = 0x1ED) =>
        WriteEntry(path, DirectoryMode | permissions, ReadOnlySpan<byte>.Empty, 0, 0);

    public void AddFile(string path, ReadOnlySpan<byte> contents, int permissions = 0x1ED) =>
        WriteEntry(path, RegularFileMode | permissions, contents, 0, 0);

    /// <summary>A symbolic link: its contents are the target path.</summary>
    public void AddSymbolicLink(string path, string target) =>
        WriteEntry(path, SymbolicLinkMode | 0x1FF, Encoding.UTF8.GetBytes(target), 0, 0);

    public void AddCharacterDevice(string path, int major, int minor, int permissions = 0x180) =>
        WriteEntry(path, CharacterDeviceMode | permissions, ReadOnlySpan<byte>.Empty, major, minor);

    /// <summary>Writes the end-of-archive entry. The archive is unusable without it.</summary>
    public void Finish() => WriteEntry("TRAILER!!!", 0, ReadOnlySpan<byte>.Empty, 0, 0);

    private void WriteEntry(string path, int mode, ReadOnlySpan<byte> contents, int rdevMajor, int rdevMinor)
    {
        var name = Encoding.UTF8.GetBytes(path + "\0");
        var header = new StringBuilder("070701");
        int[] fields = [_inode++, mode, 0, 0, (mode & DirectoryMode) != 0 ? 2 : 1, 0, contents.Length, 0, 0, rdevMajor, rdevMinor, name.Length, 0];
        foreach (var field in fields)
        {
            header.Append(field.ToString("X8", CultureInfo.InvariantCulture));
        }

        var headerBytes = Encoding.ASCII.GetBytes(header.ToString());
        _output.Write(headerBytes);
        _output.Write(name);
        Pad(headerBytes.Length + name.Length);
        _output.Write(contents);
        Pad(contents.Length);
    }

    private void Pad(int written)
    {
        Span<byte> zeros = stackalloc byte[4];
        zeros.Clear();
        _output.Write(zeros[..((4 - (written % 4)) % 4)]);
    }
}
