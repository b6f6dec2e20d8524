using Roost.Core.Overheads;
using Roost.Simulation.Workloads;

namespace Roost.Simulation.Overheads;

/// <summary>
/// Turns a workload of native traces into the traces the same applications would produce in VMs, with a MOVE model,
/// so that the simulator's policies (Sandpiper, the consolidation baselines) plan with the virtualization overhead
/// included. A workload transform, applied before the data centre sees the workload (docs/move.md).
/// </summary>
/// <remarks>
/// Per VM and sample: the native CPU (a fraction of the VM's MIPS) becomes cpu_user_pct = fraction × 100 × cores (a
/// trace does not split user from system time, so all of it is taken as user time); a network rate (KB/s, received
/// plus sent) becomes net_rx_bytes_per_s = net_tx_bytes_per_s = half of it in bytes/s; every other metric the model
/// uses is taken as 0 and listed in <see cref="Result.MissingMetrics"/>. The virtual demand is the guest plus the
/// emulation prediction, back as a fraction of the VM's MIPS: the emulation CPU, which a real host spends outside the
/// VM, is charged to the VM so that its host carries it. A demand above the VM's size is cut to 1 and counted in
/// <see cref="Result.ClippedSamples"/>.
/// </remarks>
public static class VirtualizedWorkload
{
    /// <summary>The transformed workload and what the transform could not do exactly.</summary>
    public sealed record Result(Workload Workload, IReadOnlyList<NativeMetric> MissingMetrics, long ClippedSamples, long Samples);

    /// <param name="workload">Native traces.</param>
    /// <param name="model">The platform's model.</param>
    /// <param name="coresOfVm">The cores of VM i (its trace is <c>workload.Vms[i]</c>), as the data centre will size it.</param>
    public static Result Apply(Workload workload, OverheadModel model, Func<int, int> coresOfVm)
    {
        ArgumentNullException.ThrowIfNull(workload);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(coresOfVm);
        var supplied = new List<NativeMetric> { NativeMetric.CpuUserPct };
        if (workload.Vms.Count > 0 && workload.Vms.All(v => v.NetworkKBps is not null))
        {
            supplied.AddRange([NativeMetric.NetRxBytesPerS, NativeMetric.NetTxBytesPerS]);
        }

        var vms = new VmTrace[workload.Vms.Count];
        long clipped = 0;
        long samples = 0;
        var values = new double[NativeMetrics.Count];
        for (var v = 0; v < vms.Length; v++)
        {
            var trace = workload.Vms[v];
            var percentPerFraction = 100.0 * Math.Max(1, coresOfVm(v));
            var cpu = new double[trace.Cpu.Length];
            for (var i = 0; i < cpu.Length; i++)
            {
                Array.Clear(values);
                values[(int)NativeMetric.CpuUserPct] = trace.Cpu[i] * percentPerFraction;
                if (trace.NetworkKBps is { } network && i < network.Length)
                {
                    values[(int)NativeMetric.NetRxBytesPerS] = network[i] * 1000 / 2;
                    values[(int)NativeMetric.NetTxBytesPerS] = network[i] * 1000 / 2;
                }

                var demand = model.Predict(new NativeUsage(values)).TotalPct / percentPerFraction;
                if (demand > 1)
                {
                    clipped++;
                    demand = 1;
                }

                cpu[i] = demand;
            }

            samples += cpu.Length;
            vms[v] = trace with { Cpu = cpu };
        }

        var missing = model.Metrics.Where(m => !supplied.Contains(m)).ToArray();
        var name = $"{workload.Name} in VMs ({model.Platform.Name})";
        return new Result(workload with { Name = name, Vms = vms }, missing, clipped, samples);
    }
}
