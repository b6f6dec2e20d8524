using Roost.Hypervisor.Qemu;

namespace Roost.Hypervisor.Tests.Qemu;

public sealed class GuestRamWindowTests
{
    private const long Size = 256L * 1024 * 1024;

    // QEMU 10.0's answer to 'info ramblock' (its lines end in \r\n).
    private const string RamBlocks =
        "              Block Name    PSize              Offset               Used              Total                HVA  RO\r\n"
        + "                     ram    4 KiB  0x0000000000000000 0x0000000010000000 0x0000000010000000 0x00007f54f7e00000  rw\r\n"
        + "                 pc.bios    4 KiB  0x0000000010000000 0x0000000000040000 0x0000000000040000 0x00007f551c400000  ro\r\n";

    private const string Smaps = """
        7f54e4000000-7f54e7e00000 rw-p 00000000 00:2a 1234 /root/.cache/roost/images/minimal/kernel
        VmFlags: rd wr mr mw me ac
        7f54f7e00000-7f5507e00000 rw-p 00000000 00:00 0 
        Rss: 1024 kB
        VmFlags: rd wr mr mw me dc ac hg mg
        7f5508000000-7f5517f00000 rwxp 00000000 00:00 0 
        VmFlags: rd wr ex mr mw me ac hg
        """;

    [Fact]
    public void RamBlockAddress_IsTheHvaOfTheRamBlock()
    {
        Assert.True(GuestRamWindow.TryParseRamBlockAddress(RamBlocks, Size, out var address, out var refusal), refusal);

        Assert.Equal(0x7f54f7e00000, address);
        Assert.Null(GuestRamWindow.CheckMappings(Smaps, address, Size, requireMergeable: true));
    }

    [Fact]
    public void RamBlockOfAnotherSize_IsRefused()
    {
        Assert.False(GuestRamWindow.TryParseRamBlockAddress(RamBlocks, Size / 2, out _, out var refusal));

        Assert.Contains("holds 268435456 bytes, not the guest's 134217728", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void TableWithoutHva_FallsBackToTheOnlyMergeableMappingOfTheSize()
    {
        var old = "Block Name PSize Offset Used Total\r\nram 4 KiB 0x0 0x10000000 0x10000000\r\n";

        Assert.False(GuestRamWindow.TryParseRamBlockAddress(old, Size, out _, out var refusal));
        Assert.Null(refusal);
        Assert.True(GuestRamWindow.TryFindOnlyMergeableMapping(Smaps, Size, out var address, out _));
        Assert.Equal(0x7f54f7e00000, address);
    }

    [Fact]
    public void TwoMergeableMappingsOfTheSize_AreAmbiguous()
    {
        var twice = Smaps + "\n7f6000000000-7f6010000000 rw-p 00000000 00:00 0 \nVmFlags: rd wr mg\n";

        Assert.False(GuestRamWindow.TryFindOnlyMergeableMapping(twice, Size, out _, out var refusal));

        Assert.Contains("ambiguous", refusal, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0x7f54e4000000L, "not private anonymous read-write mergeable")]
    [InlineData(0x7f5508000000L, "not private anonymous read-write mergeable")]
    [InlineData(0x7f54f7f00000L, "is not mapped from 0x7f5507e00000")]
    public void AnAddressThatIsNotAllGuestRam_IsRefused(long address, string reason)
    {
        var refusal = GuestRamWindow.CheckMappings(Smaps, address, Size, requireMergeable: true);

        Assert.Contains(reason, refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutTheMergeableFlag_OnlyTheMapsCheckPasses()
    {
        var plain = Smaps.Replace(" hg mg", "", StringComparison.Ordinal);

        Assert.NotNull(GuestRamWindow.CheckMappings(plain, 0x7f54f7e00000, Size, requireMergeable: true));
        Assert.Null(GuestRamWindow.CheckMappings(plain, 0x7f54f7e00000, Size, requireMergeable: false));
    }
}
