namespace Roost.Core.Migration.Stream;

/// <summary>
/// The constants of QEMU's migration stream (QEMU 10: migration/savevm.c and migration/ram.c). Multi-byte fields are
/// big-endian. A stream is the header (magic, version), an optional configuration section, commands and sections;
/// the RAM section's content is a list of records, each a 64-bit page address whose low 12 bits are flags.
/// </summary>
internal static class QemuStreamFormat
{
    /// <summary>"QEVM".</summary>
    public const uint FileMagic = 0x5145564D;

    public const uint FileVersion = 3;

    public const byte SectionStart = 0x01;
    public const byte SectionPart = 0x02;
    public const byte SectionEnd = 0x03;
    public const byte SectionFull = 0x04;
    public const byte Subsection = 0x05;
    public const byte Configuration = 0x07;
    public const byte Command = 0x08;
    public const byte SectionFooter = 0x7E;

    /// <summary>The commands whose whole content is their length-prefixed payload (MIG_CMD_PING, MIG_CMD_SWITCHOVER_START).</summary>
    public const ushort CommandPing = 2;
    public const ushort CommandSwitchoverStart = 11;

    public const int PageBits = 12;
    public const int PageSize = 1 << PageBits;
    public const ulong FlagMask = PageSize - 1;

    public const ulong RamZero = 0x02;
    public const ulong RamMemSize = 0x04;
    public const ulong RamPage = 0x08;
    public const ulong RamEos = 0x10;
    public const ulong RamContinue = 0x20;
    public const ulong RamXbzrle = 0x40;
    public const ulong RamMultifdFlush = 0x200;

    /// <summary>Record kinds that name a RAM block (by its id string unless <see cref="RamContinue"/> is set).</summary>
    public const ulong RamBlockRecords = RamZero | RamPage | RamXbzrle | 0x100;
}
