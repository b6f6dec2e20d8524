using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Roost.Hypervisor.Recovery;

/// <summary>
/// Guest RAM files a <c>roost dr protect</c> or <c>failover</c> killed with SIGKILL left in /dev/shm
/// (<c>roost.dr.PID.NAME</c>): removed at the next start when no process has that pid any more and the file belongs
/// to this user. A live owner's files are never touched (a reused pid only keeps a stale file longer), nor another
/// user's.
/// </summary>
public static class StaleGuestMemory
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxUid = 0x8;

    /// <summary>Removes the stale files <c><paramref name="directory"/>/<paramref name="prefix"/>PID.*</c>; returns their paths.</summary>
    public static IReadOnlyList<string> Sweep(string directory, string prefix)
    {
        var removed = new List<string>();
        if (!OperatingSystem.IsLinux() || !Directory.Exists(directory))
        {
            return removed;
        }

        var me = GetEuid();
        foreach (var file in Directory.GetFiles(directory, prefix + "*"))
        {
            var rest = Path.GetFileName(file)[prefix.Length..];
            var dot = rest.IndexOf('.', StringComparison.Ordinal);
            if (dot <= 0 || !int.TryParse(rest[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                || pid == Environment.ProcessId || Directory.Exists($"/proc/{pid}") || OwnerOf(file) != me)
            {
                continue;
            }

            try
            {
                File.Delete(file);
                removed.Add(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }

        return removed;
    }

    /// <summary>The file's owner (not following a symbolic link), or null when it cannot be read.</summary>
    private static uint? OwnerOf(string path)
    {
        // struct statx: stx_mask u32, stx_blksize u32, stx_attributes u64, stx_nlink u32, stx_uid u32 (offset 20), …; 256 bytes.
        var buffer = new byte[256];
        return Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxUid, buffer) == 0 && (BinaryPrimitives.ReadUInt32LittleEndian(buffer) & StatxUid) != 0
            ? BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(20))
            : null;
    }

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);

    [DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetEuid();
}
