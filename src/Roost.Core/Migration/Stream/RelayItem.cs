namespace Roost.Core.Migration.Stream;

/// <summary>
/// The items of a data frame's payload (before compression). Raw: varint length, bytes. The page items start with
/// the QEMU record header (varint length, bytes) and the page's key (varint block, varint page), then: Full, the 4 KiB
/// page; Reference, the 16-byte digest of a page the destination holds; Delta, the low 8 bytes of the new page's
/// digest (checked after applying) and the XOR delta (varint length, bytes) against the page's previous version.
/// </summary>
internal enum RelayItem : byte
{
    Raw = 1,
    Full = 2,
    Reference = 3,
    Delta = 4,
}
