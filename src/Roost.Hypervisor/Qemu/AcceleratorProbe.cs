using Roost.Hypervisor.Images;

namespace Roost.Hypervisor.Qemu;

/// <summary>
/// Decides between KVM and TCG by trying, not by assuming: /dev/kvm may exist and open yet fail to run a stock
/// kernel (nested or restricted hosts), so KVM is chosen only when a probe guest boots to its reporter under it.
/// <c>ROOST_ACCEL=tcg|kvm</c> overrides the probe.
/// </summary>
public static class AcceleratorProbe
{
    /// <summary>Under KVM the probe guest reports within a second; a guest that has not spoken by then never will.</summary>
    private static readonly TimeSpan _probeTimeout = TimeSpan.FromSeconds(4);

    public static async Task<Accelerator> DetectAsync(string qemuBinary, GuestImage image, string runDirectory, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        switch (Environment.GetEnvironmentVariable("ROOST_ACCEL")?.ToUpperInvariant())
        {
            case "TCG":
                return Accelerator.Tcg;
            case "KVM":
                return Accelerator.Kvm;
            default:
                break;
        }

        if (!KvmDeviceOpens())
        {
            return Accelerator.Tcg;
        }

        var spec = new GuestSpec($"kvm-probe-{Environment.ProcessId}", 1, GuestSpec.MinMemoryMiB);
        var launch = new QemuLaunch(qemuBinary, image, spec, Accelerator.Kvm, runDirectory, Path.Combine("/dev/shm", $"roost-{spec.Id}"));
        try
        {
            await using var vm = await QemuVm.StartAsync(launch, time, cancellationToken).ConfigureAwait(false);
            await vm.WaitUntilReadyAsync(_probeTimeout, cancellationToken).ConfigureAwait(false);
            return Accelerator.Kvm;
        }
        catch (QemuException)
        {
            return Accelerator.Tcg;
        }
    }

    private static bool KvmDeviceOpens()
    {
        try
        {
            using var kvm = File.Open("/dev/kvm", FileMode.Open, FileAccess.ReadWrite);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
