using Roost.Core.Model;
using Roost.Core.Monitoring;

namespace Roost.Core.Tests.Balancing;

internal static class TestHistories
{
    /// <summary>A history whose i-th sample uses <c>cpu[i]</c> cores, <c>memoryMiB</c> MiB, <c>network[i]</c> Mbit/s.</summary>
    public static UsageHistory Of(double[] cpu, double memoryMiB = 1024, double[]? network = null, double[]? swap = null, int windowLength = 12)
    {
        var history = new UsageHistory(windowLength);
        for (var i = 0; i < cpu.Length; i++)
        {
            history.Add(new UsageSample(new ResourceVector(cpu[i], memoryMiB, network?[i] ?? 0), swap?[i] ?? 0));
        }

        return history;
    }
}
