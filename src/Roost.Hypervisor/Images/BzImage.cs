using System.Buffers.Binary;

namespace Roost.Hypervisor.Images;

/// <summary>
/// Reads the x86 boot header of a bzImage to find the compressed kernel inside it (Documentation/arch/x86/boot.rst:
/// protocol 2.08+ records <c>payload_offset</c> and <c>payload_length</c>), and checks whether an uncompressed
/// vmlinux can be booted directly by QEMU (it needs the Xen PVH entry note, <c>XEN_ELFNOTE_PHYS32_ENTRY</c> = 18).
/// Booting the decompressed vmlinux skips the in-guest decompression, which under TCG is most of the boot time.
/// </summary>
internal static class BzImage
{
    private const int SetupSectorsOffset = 0x1F1;
    private const int HeaderMagicOffset = 0x202;
    private const int PayloadOffsetOffset = 0x248;
    private const int PayloadLengthOffset = 0x24C;
    private const uint HeaderMagic = 0x53726448; // "HdrS"
    private const uint PtNote = 4;
    private const uint XenElfNotePhys32Entry = 18;

    /// <summary>Finds the compressed payload; <paramref name="format"/> is gzip, xz, zstd, lz4, lzma, bzip2, lzo or unknown.</summary>
    public static bool TryFindPayload(ReadOnlySpan<byte> image, out int offset, out int length, out string format)
    {
        offset = 0;
        length = 0;
        format = "unknown";
        if (image.Length < 0x260 || BinaryPrimitives.ReadUInt32LittleEndian(image[HeaderMagicOffset..]) != HeaderMagic)
        {
            return false;
        }

        var setupSectors = image[SetupSectorsOffset] == 0 ? 4 : image[SetupSectorsOffset];
        var payloadOffset = BinaryPrimitives.ReadUInt32LittleEndian(image[PayloadOffsetOffset..]);
        var payloadLength = BinaryPrimitives.ReadUInt32LittleEndian(image[PayloadLengthOffset..]);
        long start = ((setupSectors + 1L) * 512) + payloadOffset;
        if (payloadLength == 0 || start + payloadLength > image.Length)
        {
            return false;
        }

        offset = (int)start;
        length = (int)payloadLength;
        format = Identify(image.Slice(offset, Math.Min(length, 6)));
        return true;
    }

    /// <summary>True when <paramref name="elf"/> is a 64-bit ELF carrying a PVH entry point note.</summary>
    public static bool HasPvhEntry(ReadOnlySpan<byte> elf)
    {
        if (elf.Length < 64 || elf[0] != 0x7F || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F' || elf[4] != 2)
        {
            return false;
        }

        var programHeaders = BinaryPrimitives.ReadInt64LittleEndian(elf[0x20..]);
        var entrySize = BinaryPrimitives.ReadUInt16LittleEndian(elf[0x36..]);
        var count = BinaryPrimitives.ReadUInt16LittleEndian(elf[0x38..]);
        for (var i = 0; i < count; i++)
        {
            var header = programHeaders + ((long)i * entrySize);
            if (header + 56 > elf.Length || BinaryPrimitives.ReadUInt32LittleEndian(elf[(int)header..]) != PtNote)
            {
                continue;
            }

            var noteOffset = BinaryPrimitives.ReadInt64LittleEndian(elf[(int)(header + 8)..]);
            var noteSize = BinaryPrimitives.ReadInt64LittleEndian(elf[(int)(header + 32)..]);
            if (noteOffset + noteSize <= elf.Length && NotesContainPvh(elf.Slice((int)noteOffset, (int)noteSize)))
            {
                return true;
            }
        }

        return false;
    }

    private static bool NotesContainPvh(ReadOnlySpan<byte> notes)
    {
        var position = 0;
        while (position + 12 <= notes.Length)
        {
            var nameSize = (int)BinaryPrimitives.ReadUInt32LittleEndian(notes[position..]);
            var descSize = (int)BinaryPrimitives.ReadUInt32LittleEndian(notes[(position + 4)..]);
            var type = BinaryPrimitives.ReadUInt32LittleEndian(notes[(position + 8)..]);
            var name = notes.Slice(position + 12, Math.Min(nameSize, Math.Max(0, notes.Length - position - 12)));
            if (type == XenElfNotePhys32Entry && name.StartsWith("Xen"u8))
            {
                return true;
            }

            position += 12 + Align4(nameSize) + Align4(descSize);
        }

        return false;
    }

    private static int Align4(int size) => (size + 3) & ~3;

    private static string Identify(ReadOnlySpan<byte> magic) => magic switch
    {
        [0x1F, 0x8B, ..] => "gzip",
        [0xFD, (byte)'7', (byte)'z', (byte)'X', (byte)'Z', ..] => "xz",
        [0x28, 0xB5, 0x2F, 0xFD, ..] => "zstd",
        [0x02, 0x21, 0x4C, 0x18, ..] => "lz4",
        [0x5D, 0x00, ..] => "lzma",
        [(byte)'B', (byte)'Z', (byte)'h', ..] => "bzip2",
        [0x89, (byte)'L', (byte)'Z', (byte)'O', ..] => "lzo",
        _ => "unknown",
    };
}
