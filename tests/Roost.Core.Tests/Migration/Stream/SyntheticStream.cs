using System.Buffers.Binary;
using System.Text;

namespace Roost.Core.Tests.Migration.Stream;

/// <summary>
/// A seeded QEMU 10 precopy stream shaped like a real one (header, configuration, RAM START with the block list, PART
/// sections of page and zero-page records with block switches, END, device state, EOF), with pages drawn so that some
/// repeat (duplicates), some are re-sent with a few words changed (deltas), and the rest are random.
/// </summary>
internal sealed class SyntheticStream
{
    public const int PageSize = 4096;

    private SyntheticStream(byte[] bytes, int pageRecords, int zeroRecords)
    {
        Bytes = bytes;
        PageRecords = pageRecords;
        ZeroRecords = zeroRecords;
    }

    public byte[] Bytes { get; }

    public int PageRecords { get; }

    public int ZeroRecords { get; }

    public static SyntheticStream Build(int seed, int pages = 256, int rounds = 3, bool footers = true, bool subsections = false)
    {
        var random = new Random(seed);
        var output = new MemoryStream();
        var blocks = new[] { ("pc.ram", pages), ("vga.vram", 16), ("/rom@etc/acpi/tables", 4) };
        var contents = blocks.Select(b => new byte[b.Item2][]).ToArray();
        var pool = Enumerable.Range(0, 8).Select(_ => RandomPage(random)).ToArray();
        int pageRecords = 0, zeroRecords = 0;
        const uint RamSection = 2;

        Be32(output, 0x5145564D);
        Be32(output, 3);
        output.WriteByte(0x07);
        var machine = "pc-i440fx-10.0"u8;
        Be32(output, (uint)machine.Length);
        output.Write(machine);
        if (subsections)
        {
            Subsection(output, "configuration/target-page-bits", 4);
            Subsection(output, "configuration/capabilities", 0);
            Be32(output, 2);
            Name(output, "x-ignore-shared");
            Name(output, "mapped-ram");
        }

        output.WriteByte(0x08);
        Be16(output, 2);
        Be16(output, 4);
        Be32(output, 7);

        SectionHeader(output, 0x01, RamSection, "ram", 0, 4);
        var total = blocks.Sum(b => (long)b.Item2 * PageSize);
        Be64(output, (ulong)total | 0x04);
        foreach (var (name, count) in blocks)
        {
            Name(output, name);
            Be64(output, (ulong)count * PageSize);
        }

        Be64(output, 0x10);
        Footer(output, footers, RamSection);

        for (var round = 0; round <= rounds; round++)
        {
            var last = round == rounds;
            output.WriteByte(last ? (byte)0x03 : (byte)0x02);
            Be32(output, RamSection);
            var lastBlock = -1;
            for (var b = 0; b < blocks.Length; b++)
            {
                for (var p = 0; p < blocks[b].Item2; p++)
                {
                    if (round > 0 && random.Next(4) != 0)
                    {
                        continue;
                    }

                    var kind = random.Next(10);
                    var flags = kind == 0 ? 0x02UL : 0x08UL;
                    if (b == lastBlock)
                    {
                        flags |= 0x20;
                    }

                    Be64(output, ((ulong)p * PageSize) | flags);
                    if (b != lastBlock)
                    {
                        Name(output, blocks[b].Item1);
                        lastBlock = b;
                    }

                    if (kind == 0)
                    {
                        output.WriteByte(0);
                        zeroRecords++;
                        contents[b][p] = new byte[PageSize];
                        continue;
                    }

                    var page = kind switch
                    {
                        < 4 => (byte[])pool[random.Next(pool.Length)].Clone(),
                        < 7 when contents[b][p] is { } previous => Touch(previous, random),
                        _ => RandomPage(random),
                    };
                    contents[b][p] = page;
                    output.Write(page);
                    pageRecords++;
                }
            }

            Be64(output, 0x10);
            Footer(output, footers, RamSection);
        }

        SectionHeader(output, 0x04, 3, "timer", 0, 2);
        var device = new byte[random.Next(100, 3000)];
        random.NextBytes(device);
        output.Write(device);
        Footer(output, footers, 3);
        output.WriteByte(0x1F);
        output.WriteByte(0x06);
        var json = Encoding.ASCII.GetBytes("{\"page_size\":4096,\"devices\":[]}");
        Be32(output, (uint)json.Length);
        output.Write(json);
        return new SyntheticStream(output.ToArray(), pageRecords, zeroRecords);
    }

    public static byte[] RandomPage(Random random)
    {
        var page = new byte[PageSize];
        random.NextBytes(page);

        // Compressible halves, like most guest pages.
        page.AsSpan(PageSize / 2).Clear();
        return page;
    }

    private static byte[] Touch(byte[] previous, Random random)
    {
        var page = (byte[])previous.Clone();
        for (var i = random.Next(1, 6); i > 0; i--)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(page.AsSpan(random.Next(PageSize / 8) * 8), (ulong)random.NextInt64());
        }

        return page;
    }

    private static void SectionHeader(MemoryStream output, byte type, uint id, string name, uint instance, uint version)
    {
        output.WriteByte(type);
        Be32(output, id);
        Name(output, name);
        Be32(output, instance);
        Be32(output, version);
    }

    private static void Subsection(MemoryStream output, string name, uint value)
    {
        output.WriteByte(0x05);
        Name(output, name);
        Be32(output, 1);
        if (value != 0)
        {
            Be32(output, 12);
        }
    }

    private static void Footer(MemoryStream output, bool footers, uint id)
    {
        if (footers)
        {
            output.WriteByte(0x7E);
            Be32(output, id);
        }
    }

    private static void Name(MemoryStream output, string name)
    {
        output.WriteByte((byte)name.Length);
        output.Write(Encoding.ASCII.GetBytes(name));
    }

    private static void Be16(MemoryStream output, ushort value)
    {
        Span<byte> bytes = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, value);
        output.Write(bytes);
    }

    private static void Be32(MemoryStream output, uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        output.Write(bytes);
    }

    private static void Be64(MemoryStream output, ulong value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        output.Write(bytes);
    }
}
