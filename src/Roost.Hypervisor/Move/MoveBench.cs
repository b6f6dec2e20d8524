using System.Diagnostics;
using System.Globalization;
using Roost.Core.Overheads;
using Roost.Hypervisor.Agent;

namespace Roost.Hypervisor.Move;

/// <summary>How long each run of MOVE's bench lasts: a warm-up, then <see cref="Samples"/> intervals of <see cref="IntervalSeconds"/>.</summary>
public sealed record MoveBenchTiming(int Samples = 5, int IntervalSeconds = 2, int WarmUpSeconds = 1)
{
    /// <summary>Null when in range, else one line.</summary>
    public string? Validate() =>
        Samples is < 1 or > 1000 ? $"samples {Samples} must be from 1 to 1000"
        : IntervalSeconds is < 1 or > 60 ? $"interval {IntervalSeconds} s must be from 1 to 60"
        : WarmUpSeconds is < 0 or > 60 ? $"warm-up {WarmUpSeconds} s must be from 0 to 60"
        : null;

    /// <summary>How long the load generators run: the whole run and a margin, so they never stop before sampling does.</summary>
    public int GeneratorSeconds => WarmUpSeconds + (Samples * IntervalSeconds) + 3;
}

/// <summary>
/// A workload MOVE's bench runs natively and in the guest: one of the microbenchmarks (<see cref="MoveBenchmark"/>)
/// or one of the validation applications (busybox httpd under an HTTP load generator; an SQLite transaction mix).
/// </summary>
public abstract record MoveWorkload(string Name)
{
    public sealed record Micro(MoveBenchmark Benchmark) : MoveWorkload(Benchmark.Name);

    /// <summary>busybox httpd serving a 16 KiB page, <paramref name="Rate"/> GETs a second from the peer.</summary>
    public sealed record Web(int Rate) : MoveWorkload(string.Create(CultureInfo.InvariantCulture, $"web-{Rate}"));

    /// <summary>The SQLite transaction mix (Images/Guest/app-db) at <paramref name="Rate"/> transactions a second offered.</summary>
    public sealed record Database(int Rate) : MoveWorkload(string.Create(CultureInfo.InvariantCulture, $"db-{Rate}"));

    public const int WebPort = 8080;
}

/// <summary>
/// Runs MOVE's workloads on a <see cref="MoveLab"/>: each natively (the host's counters of the application's
/// processes, its veth and its loop device) and then in the guest (the QEMU process's vCPU threads and its other
/// threads), sampled every interval; the i-th native interval is paired with the i-th virtual one, as MOVE pairs a
/// benchmark's native and virtual runs.
/// </summary>
public sealed class MoveBench(MoveLab lab, MoveBenchTiming timing)
{
    private const string WebRoot = "www";

    /// <summary>One paired interval: the workload, the interval's end (seconds from the run's first reading), both sides.</summary>
    public sealed record Sample(string Workload, double TimeSeconds, NativeUsage Native, VirtualCpu Virtual);

    /// <summary>Runs <paramref name="workload"/> natively, then in the guest; its paired samples.</summary>
    public async Task<IReadOnlyList<Sample>> RunAsync(MoveWorkload workload, IProgress<double>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workload);
        var native = await RunNativeAsync(workload, p => progress?.Report(p / 2), cancellationToken).ConfigureAwait(false);
        var @virtual = await RunVirtualAsync(workload, p => progress?.Report(0.5 + (p / 2)), cancellationToken).ConfigureAwait(false);
        var samples = new List<Sample>();
        for (var i = 0; i < timing.Samples; i++)
        {
            samples.Add(new Sample(workload.Name, (i + 1) * timing.IntervalSeconds, native[i], @virtual[i]));
        }

        return samples;
    }

    private async Task<List<NativeUsage>> RunNativeAsync(MoveWorkload workload, Action<double> progress, CancellationToken cancellationToken)
    {
        Process? app = null;
        Process? peer = null;
        try
        {
            var seconds = timing.GeneratorSeconds;
            switch (workload)
            {
                case MoveWorkload.Micro micro:
                    if (micro.Benchmark.PeerPlan(seconds, lab.NativeAddress, lab.NativePeerAddress) is { } peerPlan)
                    {
                        peer = lab.StartLoadgen(peerPlan, inPeer: true);
                    }

                    app = lab.StartLoadgen(micro.Benchmark.AppPlan(seconds, lab.NativeAddress, lab.NativePeerAddress), inPeer: false);
                    break;
                case MoveWorkload.Web web:
                    var root = Path.Combine(lab.WorkDirectory, WebRoot);
                    if (!File.Exists(Path.Combine(root, "index.html")))
                    {
                        Directory.CreateDirectory(root);
                        await File.WriteAllBytesAsync(Path.Combine(root, "index.html"), System.Security.Cryptography.RandomNumberGenerator.GetBytes(16384), cancellationToken).ConfigureAwait(false);
                    }

                    app = MoveLab.Start("busybox", ["httpd", "-f", "-p", string.Create(CultureInfo.InvariantCulture, $"{lab.NativeAddress}:{MoveWorkload.WebPort}"), "-h", root]);
                    await Task.Delay(300, cancellationToken).ConfigureAwait(false);
                    peer = lab.StartLoadgen(new LoadgenPlan(seconds, HttpGetFrom: lab.NativeAddress, HttpPort: MoveWorkload.WebPort, HttpRate: web.Rate), inPeer: true);
                    break;
                case MoveWorkload.Database db:
                    app = MoveLab.Start("busybox", ["sh", lab.AppDb, Path.Combine(lab.WorkDirectory, "app.sqlite"), db.Rate.ToString(CultureInfo.InvariantCulture)]);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(workload), workload, "unknown workload");
            }

            var pid = app.Id;
            lab.Account(pid);
            return await SampleAsync(() => ReadNative(pid), NativeBetween, progress, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await MoveLab.StopAsync(app).ConfigureAwait(false);
            await MoveLab.StopAsync(peer).ConfigureAwait(false);
        }
    }

    private async Task<List<VirtualCpu>> RunVirtualAsync(MoveWorkload workload, Action<double> progress, CancellationToken cancellationToken)
    {
        var agent = lab.Agent?.Agent ?? throw new InvalidOperationException("the lab has no agent");
        Process? peer = null;
        var guestApp = false;
        try
        {
            var seconds = timing.GeneratorSeconds;
            AgentOutcome<VmInfo> started;
            switch (workload)
            {
                case MoveWorkload.Micro micro:
                    if (micro.Benchmark.PeerPlan(seconds, lab.GuestAddress, lab.BridgeAddress) is { } peerPlan)
                    {
                        peer = lab.StartLoadgen(peerPlan, inPeer: false);
                    }

                    started = await agent.LoadgenAsync(MoveLab.Vm, micro.Benchmark.AppPlan(seconds, lab.GuestAddress, lab.BridgeAddress), cancellationToken).ConfigureAwait(false);
                    break;
                case MoveWorkload.Web web:
                    guestApp = true;
                    started = await agent.AppAsync(MoveLab.Vm, new AppRequest("web", MoveWorkload.WebPort), cancellationToken).ConfigureAwait(false);
                    await Task.Delay(300, cancellationToken).ConfigureAwait(false);
                    peer = lab.StartLoadgen(new LoadgenPlan(seconds, HttpGetFrom: lab.GuestAddress, HttpPort: MoveWorkload.WebPort, HttpRate: web.Rate), inPeer: false);
                    break;
                case MoveWorkload.Database db:
                    guestApp = true;
                    started = await agent.AppAsync(MoveLab.Vm, new AppRequest("db", db.Rate), cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(workload), workload, "unknown workload");
            }

            if (started is AgentOutcome<VmInfo>.Failed failed)
            {
                throw new MoveBenchException($"{workload.Name} in the guest: {failed.Problem.Detail}");
            }

            var qemu = lab.QemuPid;
            return await SampleAsync(
                () => CpuCounters.OfQemu(qemu) ?? throw new MoveBenchException($"{workload.Name}: the guest's QEMU (pid {qemu}) is gone"),
                (before, after, seconds) => new VirtualCpu(Pct(after.GuestNanoseconds - before.GuestNanoseconds, seconds), Pct(after.EmulationNanoseconds - before.EmulationNanoseconds, seconds)),
                progress,
                cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _ = guestApp
                ? await agent.AppAsync(MoveLab.Vm, null, CancellationToken.None).ConfigureAwait(false)
                : await agent.LoadgenAsync(MoveLab.Vm, null, CancellationToken.None).ConfigureAwait(false);
            await MoveLab.StopAsync(peer).ConfigureAwait(false);
        }
    }

    /// <summary>Waits out the warm-up, then reads the counters every interval and turns each pair of readings into one sample.</summary>
    private async Task<List<TSample>> SampleAsync<TCounters, TSample>(
        Func<TCounters> read, Func<TCounters, TCounters, double, TSample> between, Action<double> progress, CancellationToken cancellationToken)
    {
        await Task.Delay(TimeSpan.FromSeconds(timing.WarmUpSeconds), cancellationToken).ConfigureAwait(false);
        var samples = new List<TSample>();
        var before = read();
        var clock = Stopwatch.StartNew();
        var last = TimeSpan.Zero;
        for (var i = 1; i <= timing.Samples; i++)
        {
            var due = TimeSpan.FromSeconds(i * timing.IntervalSeconds);
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed, cancellationToken).ConfigureAwait(false);
            }

            var after = read();
            var now = clock.Elapsed;
            samples.Add(between(before, after, (now - last).TotalSeconds));
            (before, last) = (after, now);
            progress((double)i / timing.Samples);
        }

        return samples;
    }

    private sealed record NativeCounters(NativeCpu App, long Iowait, long[] Net, long[] Disk);

    private NativeCounters ReadNative(int pid)
    {
        var app = (lab.Cgroup is { } cgroup ? CpuCounters.OfCgroup(cgroup) : CpuCounters.OfProcess(pid))
            ?? throw new MoveBenchException($"the native application (pid {pid}) ended before its run did");
        var stat = File.ReadLines("/proc/stat").First(l => l.StartsWith("cpu ", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var iowait = long.Parse(stat[5], CultureInfo.InvariantCulture);
        string[] netFiles = ["rx_packets", "tx_packets", "rx_bytes", "tx_bytes"];
        var net = netFiles.Select(f => long.Parse(File.ReadAllText($"/sys/class/net/{lab.HostVeth}/statistics/{f}").Trim(), CultureInfo.InvariantCulture)).ToArray();
        var loop = Path.GetFileName(lab.LoopDevice);
        var fields = File.ReadLines("/proc/diskstats").Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).First(f => f.Length > 9 && f[2] == loop);
        long[] disk = [long.Parse(fields[3], CultureInfo.InvariantCulture), long.Parse(fields[7], CultureInfo.InvariantCulture),
            long.Parse(fields[5], CultureInfo.InvariantCulture), long.Parse(fields[9], CultureInfo.InvariantCulture)];
        return new NativeCounters(app, iowait, net, disk);
    }

    private static NativeUsage NativeBetween(NativeCounters before, NativeCounters after, double seconds)
    {
        double Rate(long a, long b) => Math.Max(0, b - a) / seconds;
        var (user, system) = after.App.Since(before.App);
        return NativeUsage.Of(
            (NativeMetric.CpuUserPct, Pct(user, seconds)),
            (NativeMetric.CpuSystemPct, Pct(system, seconds)),
            (NativeMetric.CpuIowaitPct, Pct((after.Iowait - before.Iowait) * 10_000_000, seconds)),
            (NativeMetric.NetRxPacketsPerS, Rate(before.Net[0], after.Net[0])),
            (NativeMetric.NetTxPacketsPerS, Rate(before.Net[1], after.Net[1])),
            (NativeMetric.NetRxBytesPerS, Rate(before.Net[2], after.Net[2])),
            (NativeMetric.NetTxBytesPerS, Rate(before.Net[3], after.Net[3])),
            (NativeMetric.DiskReadsPerS, Rate(before.Disk[0], after.Disk[0])),
            (NativeMetric.DiskWritesPerS, Rate(before.Disk[1], after.Disk[1])),
            (NativeMetric.DiskReadBlocksPerS, Rate(before.Disk[2], after.Disk[2])),
            (NativeMetric.DiskWriteBlocksPerS, Rate(before.Disk[3], after.Disk[3])));
    }

    /// <summary>Nanoseconds of CPU over <paramref name="seconds"/> as percent of one core.</summary>
    private static double Pct(long nanoseconds, double seconds) => Math.Max(0, nanoseconds) / 1e9 / seconds * 100;
}
