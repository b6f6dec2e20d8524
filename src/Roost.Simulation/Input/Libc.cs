using System.Runtime.InteropServices;

namespace Roost.Simulation.Input;

/// <summary>
/// The few Linux calls the BCL does not offer: the file type of a path or an open descriptor (statx, whose layout is
/// the same on every Linux architecture), an open that cannot block on a FIFO (O_NONBLOCK), and mkfifo for tests.
/// </summary>
internal static partial class Libc
{
    public const int AtFdCwd = -100;
    public const int AtEmptyPath = 0x1000;
    public const uint StatxType = 0x1;
    public const uint StatxSize = 0x200;
    public const int OpenReadOnly = 0;
    public const int OpenNoControllingTerminal = 0x100;
    public const int OpenNonBlocking = 0x800;
    public const int OpenCloseOnExec = 0x80000;

    private const ushort TypeMask = 0xF000;

    /// <summary>The fields of <c>struct statx</c> (256 bytes, fixed layout) that Roost reads.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    public struct StatxBuffer
    {
        [FieldOffset(0)]
        public uint Mask;

        [FieldOffset(28)]
        public ushort Mode;

        [FieldOffset(40)]
        public ulong Size;

        public readonly FileKind Kind => (Mode & TypeMask) switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            0x1000 => FileKind.Fifo,
            0x2000 => FileKind.CharacterDevice,
            0x6000 => FileKind.BlockDevice,
            0xC000 => FileKind.Socket,
            _ => FileKind.Missing,
        };
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static partial int Statx(int directory, string path, int flags, uint mask, out StatxBuffer buffer);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "mkfifo", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    public static partial int MakeFifo(string path, uint mode);

    /// <summary>The errno of the last call made through this class.</summary>
    public static int LastErrorNumber() => Marshal.GetLastPInvokeError();

    /// <summary>The text of an errno, e.g. "No such file or directory".</summary>
    public static string ErrorMessage(int errorNumber) => Marshal.GetPInvokeErrorMessage(errorNumber);
}
