using Roost.Core.Sharing;

namespace Roost.Hypervisor.Agent;

/// <summary>
/// The page fingerprint of one running guest's RAM as read through its agent: <see cref="MemoryMiB"/> is the RAM the
/// VM was given, <see cref="Pages"/> its distinct non-zero page contents (zero pages counted apart).
/// </summary>
public sealed record GuestMemoryFingerprint(string VmId, int MemoryMiB, ExactFingerprint Pages)
{
    public long MemoryPages => (long)MemoryMiB * PageHasher.PagesPerMiB;
}
