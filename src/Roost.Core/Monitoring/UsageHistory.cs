using Roost.Core.Model;

namespace Roost.Core.Monitoring;

/// <summary>
/// Everything monitoring keeps about one host or VM: a sliding window per resource (cores, MiB, Mbit/s), a window of
/// swap traffic (MiB/s), and the latest gray-box statistics when a guest daemon reports them. Owned by one loop.
/// </summary>
public sealed class UsageHistory
{
    public UsageHistory(int windowLength)
    {
        Cpu = new SampleWindow(windowLength);
        Memory = new SampleWindow(windowLength);
        Network = new SampleWindow(windowLength);
        Swap = new SampleWindow(windowLength);
    }

    public SampleWindow Cpu { get; }

    public SampleWindow Memory { get; }

    public SampleWindow Network { get; }

    public SampleWindow Swap { get; }

    public GuestMemoryStats? LatestGuest { get; private set; }

    public ApplicationStats? LatestApplication { get; private set; }

    public int Count => Cpu.Count;

    public ResourceVector LatestUsage => new(Cpu.Latest, Memory.Latest, Network.Latest);

    public void Add(UsageSample sample, GuestMemoryStats? guest = null, ApplicationStats? application = null)
    {
        Cpu.Add(sample.Usage.CpuCores);
        Memory.Add(sample.Usage.MemoryMiB);
        Network.Add(sample.Usage.NetworkMbps);
        Swap.Add(sample.SwapMiBPerSecond);
        LatestGuest = guest;
        LatestApplication = application;
    }
}
