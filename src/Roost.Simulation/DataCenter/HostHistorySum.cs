using System.Runtime.Intrinsics;

namespace Roost.Simulation.DataCenter;

/// <summary>
/// A host's utilisation history (PowerHostUtilizationHistory): Σ over its VMs, in list order, of
/// history[j] · MIPS / host MIPS. Two forms that give the same bits: 512-bit vectors over each VM's whole stride of
/// 32 values (lanes past a VM's count hold zeros and add +0, which changes no sum of non-negative terms), and the
/// scalar loop beside it.
/// </summary>
internal static class HostHistorySum
{
    /// <summary>Writes the host's history (<see cref="VmTable.HistoryStride"/> values) into <paramref name="history"/>.</summary>
    public static void Sum(ReadOnlySpan<int> hostVms, VmTable vms, double totalMips, Span<double> history)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            SumVector(hostVms, vms, totalMips, history);
        }
        else
        {
            SumScalar(hostVms, vms, totalMips, history);
        }
    }

    public static void SumVector(ReadOnlySpan<int> hostVms, VmTable vms, double totalMips, Span<double> history)
    {
        ArgumentNullException.ThrowIfNull(vms);
        ArgumentOutOfRangeException.ThrowIfLessThan(history.Length, VmTable.HistoryStride, nameof(history));
        var totals = Vector512.Create(totalMips);
        var sum0 = Vector512<double>.Zero;
        var sum1 = Vector512<double>.Zero;
        var sum2 = Vector512<double>.Zero;
        var sum3 = Vector512<double>.Zero;
        foreach (var vm in hostVms)
        {
            var vmHistory = vms.HistoryStrideOf(vm);
            var mips = Vector512.Create(vms[vm].Mips);
            sum0 += Vector512.Create(vmHistory[..8]) * mips / totals;
            sum1 += Vector512.Create(vmHistory.Slice(8, 8)) * mips / totals;
            sum2 += Vector512.Create(vmHistory.Slice(16, 8)) * mips / totals;
            sum3 += Vector512.Create(vmHistory.Slice(24, 8)) * mips / totals;
        }

        sum0.CopyTo(history);
        sum1.CopyTo(history[8..]);
        sum2.CopyTo(history[16..]);
        sum3.CopyTo(history[24..]);
    }

    public static void SumScalar(ReadOnlySpan<int> hostVms, VmTable vms, double totalMips, Span<double> history)
    {
        ArgumentNullException.ThrowIfNull(vms);
        ArgumentOutOfRangeException.ThrowIfLessThan(history.Length, VmTable.HistoryStride, nameof(history));
        history[..VmTable.HistoryStride].Clear();
        foreach (var vm in hostVms)
        {
            var vmHistory = vms.History(vm);
            var count = vms.HistoryCount(vm);
            var mips = vms[vm].Mips;
            for (var j = 0; j < count; j++)
            {
                history[j] += vmHistory[j] * mips / totalMips;
            }
        }
    }
}
