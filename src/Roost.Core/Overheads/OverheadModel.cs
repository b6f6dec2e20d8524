namespace Roost.Core.Overheads;

/// <summary>
/// A MOVE model of one platform: from an application's native usage, the CPU it will use once in a VM there, split
/// into the guest's share and the host's emulation/I-O share (Wood, Cherkasova, Ozonat, Shenoy, Middleware 2008).
/// Saved and read by <see cref="OverheadModelFile"/>.
/// </summary>
public sealed record OverheadModel(
    PlatformDescription Platform,
    OverheadFitOptions Options,
    OverheadTraining Training,
    CpuModel GuestCpu,
    CpuModel EmulationCpu)
{
    /// <summary>The metrics either model uses, in <see cref="NativeMetric"/> order: what a profile must provide.</summary>
    public IReadOnlyList<NativeMetric> Metrics =>
        GuestCpu.Terms.Concat(EmulationCpu.Terms).Select(t => t.Metric).Distinct().Order().ToArray();

    /// <summary>The predicted virtual CPU of one native sample; each part is clamped at 0, since CPU cannot be negative.</summary>
    public VirtualCpu Predict(NativeUsage usage) =>
        new(Math.Max(0, GuestCpu.Predict(usage)), Math.Max(0, EmulationCpu.Predict(usage)));
}
