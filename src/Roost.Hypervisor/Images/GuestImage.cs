namespace Roost.Hypervisor.Images;

/// <summary>
/// A bootable guest: a kernel (an uncompressed PVH vmlinux where possible, else the bzImage) and an initramfs whose
/// init starts the reporter on the second serial port (ttyS1).
/// </summary>
public sealed record GuestImage(string Profile, string KernelPath, string InitrdPath, string KernelRelease, bool KernelIsVmlinux);
