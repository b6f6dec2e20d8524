using System.Globalization;
using System.Text;
using Roost.Hypervisor.Images;

namespace Roost.Hypervisor.Tests.Images;

public sealed class CpioWriterTests
{
    [Fact]
    public void Archive_ParsesBackAsNewcWithNamesModesAndContents()
    {
        using var output = new MemoryStream();
        var cpio = new CpioWriter(output);

        cpio.AddDirectory("bin");
        cpio.AddFile("init", "#!/bin/sh\n"u8);
        cpio.AddCharacterDevice("dev/console", 5, 1);
        cpio.Finish();

        var entries = Parse(output.ToArray());
        Assert.Equal(["bin", "init", "dev/console", "TRAILER!!!"], entries.Select(e => e.Name));
        Assert.Equal(0x41ED, entries[0].Mode);
        Assert.Equal(0x81ED, entries[1].Mode);
        Assert.Equal("#!/bin/sh\n", entries[1].Contents);
        Assert.Equal((0x2180, 5, 1), (entries[2].Mode, entries[2].Major, entries[2].Minor));
        Assert.Equal(0, output.Length % 4);
    }

    [Fact]
    public void SymbolicLink_IsModeA1FF_WithTheTargetAsContents()
    {
        using var output = new MemoryStream();
        var cpio = new CpioWriter(output);

        cpio.AddSymbolicLink("lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2");
        cpio.Finish();

        var link = Parse(output.ToArray())[0];
        Assert.Equal(("lib64/ld-linux-x86-64.so.2", 0xA1FF, "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"), (link.Name, link.Mode, link.Contents));
    }

    [Fact]
    public void SameInput_SameBytes()
    {
        static byte[] Build()
        {
            using var output = new MemoryStream();
            var cpio = new CpioWriter(output);
            cpio.AddFile("a", "xyz"u8);
            cpio.Finish();
            return output.ToArray();
        }

        Assert.Equal(Build(), Build());
    }

    private static List<(string Name, int Mode, string Contents, int Major, int Minor)> Parse(byte[] archive)
    {
        var entries = new List<(string, int, string, int, int)>();
        var position = 0;
        while (position < archive.Length)
        {
            Assert.Equal("070701", Encoding.ASCII.GetString(archive, position, 6));
            int Field(int index) => int.Parse(Encoding.ASCII.GetString(archive, position + 6 + (index * 8), 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var (mode, size, major, minor, nameSize) = (Field(1), Field(6), Field(9), Field(10), Field(11));
            var name = Encoding.ASCII.GetString(archive, position + 110, nameSize - 1);
            var data = Align(position + 110 + nameSize);
            entries.Add((name, mode, Encoding.ASCII.GetString(archive, data, size), major, minor));
            position = Align(data + size);
            if (name == "TRAILER!!!")
            {
                break;
            }
        }

        return entries;
    }

    private static int Align(int offset) => (offset + 3) & ~3;
}
