using Roost.Core.Overheads;
using Roost.Simulation.Overheads;
using Roost.Simulation.Workloads;

namespace Roost.Simulation.Tests.Overheads;

public sealed class VirtualizedWorkloadTests
{
    private static readonly CpuModelSummary _summary = new(0, 0, [], 0, true, 0, 0, 0, 0);

    // guest = 1 + 1.1·cpu_user_pct; emulation = 2 + 0.00001·net_rx_bytes_per_s + 0.05·disk_writes_per_s.
    private static readonly OverheadModel _model = new(
        new PlatformDescription("qemu-test", ""),
        OverheadFitOptions.Default,
        new OverheadTraining(0, [], NativeMetrics.All),
        new CpuModel(1, [new ModelTerm(NativeMetric.CpuUserPct, 1.1, 0, 0)], _summary),
        new CpuModel(2, [new ModelTerm(NativeMetric.NetRxBytesPerS, 0.00001, 0, 0), new ModelTerm(NativeMetric.DiskWritesPerS, 0.05, 0, 0)], _summary));

    [Fact]
    public void Apply_PredictsEachSample_AsAFractionOfTheVm_AndClipsAtItsSize()
    {
        // 2 cores. Sample 0: 0.5 of the VM = 100 % of one core → guest 1 + 110 = 111; 1000 KB/s → 500,000 B/s each way →
        // emulation 2 + 5 = 7; total 118 % → 118 / 200 = 0.59 of the VM. Sample 1: 0.95 → guest 210, total 217 % > 200 %:
        // cut to 1. The traces have no disk writes: listed as missing.
        var workload = new Workload("w", TimeSpan.FromMinutes(5), [new VmTrace("vm", [0.5, 0.95], Memory: [0.3, 0.3], NetworkKBps: [1000, 1000])]);

        var result = VirtualizedWorkload.Apply(workload, _model, _ => 2);

        Assert.Equal(0.59, result.Workload.Vms[0].Cpu[0], 1e-12);
        Assert.Equal(1, result.Workload.Vms[0].Cpu[1]);
        Assert.Equal(1, result.ClippedSamples);
        Assert.Equal(2, result.Samples);
        Assert.Equal([NativeMetric.DiskWritesPerS], result.MissingMetrics);
        Assert.Same(workload.Vms[0].Memory, result.Workload.Vms[0].Memory);
        Assert.Equal("w in VMs (qemu-test)", result.Workload.Name);
        Assert.Equal([0.5, 0.95], workload.Vms[0].Cpu);
    }

    [Fact]
    public void Apply_CpuOnlyTraces_TakeNetworkAsZero_AndSayIt()
    {
        // 1 core, 0.2 → 20 % → guest 1 + 22 = 23, emulation 2 → 25 % of one core = 0.25 of the VM.
        var workload = new Workload("p", TimeSpan.FromMinutes(5), [new VmTrace("a", [0.2])]);

        var result = VirtualizedWorkload.Apply(workload, _model, _ => 1);

        Assert.Equal(0.25, result.Workload.Vms[0].Cpu[0], 1e-12);
        Assert.Equal([NativeMetric.NetRxBytesPerS, NativeMetric.DiskWritesPerS], result.MissingMetrics);
        Assert.Equal(0, result.ClippedSamples);
    }
}
