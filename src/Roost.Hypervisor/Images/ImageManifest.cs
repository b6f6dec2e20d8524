namespace Roost.Hypervisor.Images;

/// <summary>What <c>image.json</c> beside a built image records.</summary>
internal sealed record ImageManifest(string KernelRelease, bool KernelIsVmlinux);
