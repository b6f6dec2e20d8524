using System.Buffers.Binary;
using Roost.Hypervisor.Images;

namespace Roost.Hypervisor.Tests.Images;

public sealed class BzImageTests
{
    [Theory]
    [InlineData(new byte[] { 0xFD, (byte)'7', (byte)'z', (byte)'X', (byte)'Z', 0 }, "xz")]
    [InlineData(new byte[] { 0x1F, 0x8B, 0x08, 0, 0, 0 }, "gzip")]
    [InlineData(new byte[] { 0x28, 0xB5, 0x2F, 0xFD, 0, 0 }, "zstd")]
    [InlineData(new byte[] { 1, 2, 3, 4, 5, 6 }, "unknown")]
    public void TryFindPayload_ReadsOffsetLengthAndFormatFromTheBootHeader(byte[] magic, string format)
    {
        var image = new byte[8192];
        image[0x1F1] = 3;
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(0x202), 0x53726448);
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(0x248), 100);
        BinaryPrimitives.WriteUInt32LittleEndian(image.AsSpan(0x24C), 500);
        magic.CopyTo(image, (4 * 512) + 100);

        var found = BzImage.TryFindPayload(image, out var offset, out var length, out var actual);

        Assert.True(found);
        Assert.Equal((2148, 500, format), (offset, length, actual));
    }

    [Fact]
    public void TryFindPayload_NotABzImage_IsFalse()
    {
        Assert.False(BzImage.TryFindPayload(new byte[8192], out _, out _, out _));
    }

    [Fact]
    public void HasPvhEntry_FindsTheXenPhys32EntryNote()
    {
        Assert.True(BzImage.HasPvhEntry(Elf(noteType: 18)));
        Assert.False(BzImage.HasPvhEntry(Elf(noteType: 6)));
        Assert.False(BzImage.HasPvhEntry(new byte[200]));
    }

    /// <summary>A minimal ELF64 file with one PT_NOTE segment holding one "Xen" note.</summary>
    private static byte[] Elf(uint noteType)
    {
        var elf = new byte[256];
        elf[0] = 0x7F;
        "ELF"u8.CopyTo(elf.AsSpan(1));
        elf[4] = 2;
        BinaryPrimitives.WriteInt64LittleEndian(elf.AsSpan(0x20), 64);
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(0x36), 56);
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(0x38), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(elf.AsSpan(64), 4);
        BinaryPrimitives.WriteInt64LittleEndian(elf.AsSpan(64 + 8), 160);
        BinaryPrimitives.WriteInt64LittleEndian(elf.AsSpan(64 + 32), 24);
        BinaryPrimitives.WriteUInt32LittleEndian(elf.AsSpan(160), 4);
        BinaryPrimitives.WriteUInt32LittleEndian(elf.AsSpan(164), 8);
        BinaryPrimitives.WriteUInt32LittleEndian(elf.AsSpan(168), noteType);
        "Xen\0"u8.CopyTo(elf.AsSpan(172));
        return elf;
    }
}
