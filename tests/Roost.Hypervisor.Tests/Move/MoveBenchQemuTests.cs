using Roost.Core.Overheads;
using Roost.Hypervisor.Move;
using Roost.Hypervisor.Tests.Lab;
using Xunit.Abstractions;

namespace Roost.Hypervisor.Tests.Move;

/// <summary>A fact that needs QEMU and root (a namespace, a bridge, a loop device); skipped, with the reason, without them.</summary>
public sealed class MoveBenchFactAttribute : FactAttribute
{
    public MoveBenchFactAttribute()
    {
        if ((QemuEnvironment.SkipReason ?? LabEnvironment.SkipReason) is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>
/// The claim under docs/experiments/move.md's tables: one benchmark runs the same load natively and in a guest, each
/// side's counters see it (the native veth carries the datagrams at the offered rate; the guest's QEMU spends vCPU and
/// emulation time on them), and the bench's lab leaves nothing behind.
/// </summary>
[Collection(QemuMigrationFaultTests.Name)]
public sealed class MoveBenchQemuTests(QemuFixture fixture, ITestOutputHelper output)
{
    [MoveBenchFact]
    public async Task UdpBenchmark_RunsNativelyAndInTheGuest_CountersSeeIt_AndTheLabIsRemoved()
    {
        var benchmark = MoveBenchmark.Suite.Single(b => b.Name == "udp-tx-512-1000");
        string[] made;
        IReadOnlyList<MoveBench.Sample> samples;
        // No disk fill: the benchmark does no disk I/O, and filling 64 MiB costs a TCG guest about a CPU-minute.
        await using (var lab = await MoveLab.StartAsync(fixture.Image, fixture.Accelerator, QemuEnvironment.Binary, 128, CancellationToken.None, filledMiB: 0))
        {
            made = [lab.Bridge, lab.HostVeth];
            samples = await new MoveBench(lab, new MoveBenchTiming(Samples: 2, IntervalSeconds: 1)).RunAsync(new MoveWorkload.Micro(benchmark), null, CancellationToken.None);
        }

        foreach (var sample in samples)
        {
            output.WriteLine($"{sample.TimeSeconds} s: native tx {sample.Native[NativeMetric.NetTxPacketsPerS]:0} packets/s, {sample.Native[NativeMetric.NetTxBytesPerS]:0} B/s; guest {sample.Virtual.GuestPct:0.0} %, emulation {sample.Virtual.EmulationPct:0.0} %");
        }

        Assert.Equal(2, samples.Count);
        // 1,000 datagrams of 512 bytes a second (the kernel adds 42 bytes of headers each). How many a starved generator
        // manages depends on the machine's load, so only the bound the pace sets is checked (at most 100 ms of catch-up
        // on top of the rate), and that datagrams flowed at all.
        Assert.All(samples, s => Assert.InRange(s.Native[NativeMetric.NetTxPacketsPerS], 1, 1300));
        Assert.All(samples, s => Assert.InRange(s.Native[NativeMetric.NetTxBytesPerS] / s.Native[NativeMetric.NetTxPacketsPerS], 540, 600));
        Assert.All(samples, s => Assert.True(s.Virtual.GuestPct > 1 && s.Virtual.EmulationPct > 0, $"guest {s.Virtual.GuestPct} %, emulation {s.Virtual.EmulationPct} %"));
        Assert.All(made, name => Assert.False(Directory.Exists($"/sys/class/net/{name}"), $"{name} is left behind"));
        Assert.Empty(Directory.GetDirectories(Path.GetTempPath(), $"roost-move-{Environment.ProcessId:x}"));
        Assert.False(Directory.Exists($"/sys/fs/cgroup/cpuacct/roost-move-{Environment.ProcessId:x}"), "the cgroup is left behind");
    }
}
