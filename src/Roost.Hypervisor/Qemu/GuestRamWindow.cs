using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Roost.Hypervisor.Qmp;

namespace Roost.Hypervisor.Qemu;

/// <summary>
/// Where a QEMU's guest RAM lies in QEMU's own address space when that RAM is private anonymous memory
/// (<see cref="QemuLaunch.MergeableMemory"/>), so the agent can read it through <c>/proc/PID/mem</c> while the guest
/// runs. Found from QEMU's ramblock list (HMP <c>info ramblock</c>, its HVA column; QEMU without it: the one mapping
/// of the RAM's size that is mergeable) and checked against the kernel's view: the range must be readable, writable,
/// private, anonymous memory marked mergeable (<c>VmFlags: mg</c> in <c>/proc/PID/smaps</c>), and is checked again
/// (<c>/proc/PID/maps</c>) before every read, so a read never lands outside the guest's RAM.
/// </summary>
/// <param name="ProcessId">The QEMU process.</param>
/// <param name="HostAddress">The address of guest RAM offset 0 in QEMU's address space.</param>
/// <param name="SizeBytes">The guest's RAM size.</param>
public sealed record GuestRamWindow(int ProcessId, long HostAddress, long SizeBytes)
{
    /// <summary>The RAM block of <see cref="QemuLaunch"/>'s memory backend (its <c>id=</c>).</summary>
    public const string RamBlock = "ram";

    /// <summary>Asks QEMU where its guest RAM is and checks the answer against the kernel's mappings.</summary>
    public static async Task<(GuestRamWindow? Window, string? Refusal)> LocateAsync(QmpClient qmp, int processId, long sizeBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(qmp);
        var blocks = await qmp.HumanMonitorCommandAsync("info ramblock", cancellationToken).ConfigureAwait(false);
        string smaps;
        try
        {
            smaps = await File.ReadAllTextAsync($"/proc/{processId}/smaps", cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, $"cannot read /proc/{processId}/smaps: {e.Message}");
        }

        long address;
        if (TryParseRamBlockAddress(blocks, sizeBytes, out var reported, out var refusal))
        {
            address = reported;
        }
        else if (refusal is not null)
        {
            return (null, refusal);
        }
        else if (!TryFindOnlyMergeableMapping(smaps, sizeBytes, out address, out refusal))
        {
            return (null, refusal);
        }

        return CheckMappings(smaps, address, sizeBytes, requireMergeable: true) is { } wrong
            ? (null, wrong)
            : (new GuestRamWindow(processId, address, sizeBytes), null);
    }

    /// <summary>
    /// The host address of <see cref="RamBlock"/> in <c>info ramblock</c>'s table. False with a null refusal when QEMU
    /// prints no HVA column (older QEMU); false with a refusal when the table is there but the block is missing or
    /// its size is not <paramref name="sizeBytes"/>.
    /// </summary>
    public static bool TryParseRamBlockAddress(string table, long sizeBytes, out long address, out string? refusal)
    {
        ArgumentNullException.ThrowIfNull(table);
        address = 0;
        refusal = null;
        var lines = table.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length == 0 || !lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains("HVA"))
        {
            return false;
        }

        // Block Name, PSize (two words: "4 KiB"), Offset, Used, Total, HVA, RO.
        foreach (var line in lines.Skip(1))
        {
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length != 8 || words[0] != RamBlock)
            {
                continue;
            }

            if (!TryParseHex(words[4], out var used) || !TryParseHex(words[6], out address) || address <= 0)
            {
                refusal = $"QEMU's ramblock line '{line}' is not Name PSize Offset Used Total HVA RO";
                return false;
            }

            if (used != sizeBytes)
            {
                refusal = $"QEMU's RAM block '{RamBlock}' holds {used} bytes, not the guest's {sizeBytes}";
                return false;
            }

            return true;
        }

        refusal = $"QEMU lists no RAM block '{RamBlock}'";
        return false;
    }

    /// <summary>For a QEMU that does not print host addresses: the one private anonymous mergeable mapping of exactly <paramref name="sizeBytes"/>.</summary>
    public static bool TryFindOnlyMergeableMapping(string smaps, long sizeBytes, out long address, [NotNullWhen(false)] out string? refusal)
    {
        var found = Mappings(smaps).Where(m => m.End - m.Start == sizeBytes && m.IsPrivateAnonymousReadWrite && m.IsMergeable).ToList();
        address = found.Count == 1 ? found[0].Start : 0;
        refusal = found.Count switch
        {
            1 => null,
            0 => $"QEMU has no mergeable mapping of {sizeBytes} bytes",
            _ => $"QEMU has {found.Count} mergeable mappings of {sizeBytes} bytes: which is guest RAM is ambiguous",
        };
        return refusal is null;
    }

    /// <summary>
    /// Null when [<paramref name="address"/>, + <paramref name="sizeBytes"/>) is covered by contiguous private,
    /// anonymous, readable and writable mappings (each marked mergeable if asked: <c>smaps</c> only), else why not.
    /// </summary>
    public static string? CheckMappings(string mappings, long address, long sizeBytes, bool requireMergeable)
    {
        var end = address + sizeBytes;
        var at = address;
        foreach (var m in Mappings(mappings).Where(m => m.End > address && m.Start < end).OrderBy(m => m.Start))
        {
            if (m.Start > at)
            {
                break;
            }

            if (!m.IsPrivateAnonymousReadWrite || (requireMergeable && !m.IsMergeable))
            {
                return string.Create(CultureInfo.InvariantCulture, $"guest RAM at 0x{address:x} overlaps mapping 0x{m.Start:x}-0x{m.End:x} '{m.Permissions}{(m.IsMergeable ? " mergeable" : "")}', not private anonymous read-write{(requireMergeable ? " mergeable" : "")} memory");
            }

            at = m.End;
        }

        return at >= end ? null : string.Create(CultureInfo.InvariantCulture, $"guest RAM 0x{address:x}-0x{end:x} is not mapped from 0x{at:x}");
    }

    /// <summary>
    /// Reads guest RAM at <paramref name="offset"/> (0 is the start of guest RAM) into <paramref name="buffer"/> from
    /// <c>/proc/PID/mem</c>, after checking that the range is still guest RAM. The guest keeps running: pages it
    /// writes during the read are seen before or after the write.
    /// </summary>
    public int Read(long offset, Span<byte> buffer)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (offset > SizeBytes - buffer.Length)
        {
            throw new IOException($"range {offset}+{buffer.Length} is outside guest RAM of {SizeBytes} bytes");
        }

        if (CheckMappings(File.ReadAllText($"/proc/{ProcessId}/maps"), HostAddress, SizeBytes, requireMergeable: false) is { } moved)
        {
            throw new IOException(moved);
        }

        using var memory = File.OpenHandle($"/proc/{ProcessId}/mem", FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var total = 0;
        while (total < buffer.Length)
        {
            var read = RandomAccess.Read(memory, buffer[total..], HostAddress + offset + total);
            if (read <= 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }

    private static bool TryParseHex(string text, out long value) =>
        long.TryParse(text.StartsWith("0x", StringComparison.Ordinal) ? text[2..] : text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);

    private static IEnumerable<Mapping> Mappings(string text)
    {
        Mapping? current = null;
        foreach (var line in text.Split('\n'))
        {
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var dash = words.Length >= 5 ? words[0].IndexOf('-', StringComparison.Ordinal) : -1;
            if (dash > 0 && TryParseHex(words[0][..dash], out var start) && TryParseHex(words[0][(dash + 1)..], out var end))
            {
                if (current is not null)
                {
                    yield return current;
                }

                // An anonymous mapping has inode 0 and no path (or a bracketed name such as [heap]).
                current = new Mapping(start, end, words[1], words[4] == "0" && (words.Length == 5 || words[5].StartsWith('[')), false);
            }
            else if (current is not null && words.Length > 0 && words[0] == "VmFlags:")
            {
                current = current with { IsMergeable = words.Contains("mg") };
            }
        }

        if (current is not null)
        {
            yield return current;
        }
    }

    private sealed record Mapping(long Start, long End, string Permissions, bool IsAnonymous, bool IsMergeable)
    {
        public bool IsPrivateAnonymousReadWrite => IsAnonymous && Permissions.StartsWith("rw", StringComparison.Ordinal) && Permissions.EndsWith('p');
    }
}
