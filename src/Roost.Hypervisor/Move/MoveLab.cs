using System.Diagnostics;
using System.Globalization;
using Roost.Hypervisor.Agent;
using Roost.Hypervisor.Images;
using Roost.Hypervisor.Lab;
using Roost.Hypervisor.Qemu;

namespace Roost.Hypervisor.Move;

/// <summary>
/// Where MOVE's bench runs, set up on this host for one process and removed after it (or, if that process died, by
/// the next bench's sweep): the native side is the host itself, talking over a veth pair to a peer namespace
/// (<c>roost-move-PID</c>) and doing direct I/O on a loop device over a file in /var/tmp; the virtual side is one
/// guest run by an in-process <c>roost agent</c>, its NIC on a bridge of its own (the host's end holds the peer) and
/// its disk a raw file. Both sides run the same load generator (Images/Guest/loadgen.c; the host's copy is compiled
/// here). Every name carries the owner's pid in hex; the addresses are 10.214.N.0/24 (bridge) and 10.215.N.0/24 (veth).
/// </summary>
public sealed class MoveLab : IAsyncDisposable
{
    /// <summary>The guest's virtual disk and the native loop file, MiB; benchmarks touch the first 64 MiB.</summary>
    public const int DiskMiB = 256;

    /// <summary>The part of both disks filled with data before the benchmarks (reads then read written blocks).</summary>
    public const int FilledMiB = 64;

    private const string VmId = "move";

    private readonly List<Func<Task>> _undo = [];

    private MoveLab(string tag, int subnet, string work)
    {
        Tag = tag;
        Subnet = subnet;
        WorkDirectory = work;
    }

    private string Tag { get; }

    private int Subnet { get; }

    /// <summary>Owner-only directory of the host's load generator, the loop file, the web root and the database.</summary>
    public string WorkDirectory { get; }

    public string Namespace => $"roost-move-{Tag}";

    public string Bridge => $"rmb{Tag}";

    public string HostVeth => $"rmh{Tag}";

    /// <summary>The host's address on the veth (the native application's).</summary>
    public string NativeAddress => $"10.215.{Subnet}.1";

    /// <summary>The peer namespace's address on the veth.</summary>
    public string NativePeerAddress => $"10.215.{Subnet}.2";

    /// <summary>The host's address on the guest's bridge (the virtual run's peer).</summary>
    public string BridgeAddress => $"10.214.{Subnet}.1";

    public string GuestAddress => $"10.214.{Subnet}.5";

    public string Loadgen => Path.Combine(WorkDirectory, "loadgen");

    public string AppDb => Path.Combine(WorkDirectory, "app-db");

    public string LoopDevice { get; private set; } = "";

    /// <summary>
    /// A cgroup-v1 cpuacct group the native application and its children run in (exact CPU time), or null where the
    /// host has none (then the application's own and reaped children's ticks are used).
    /// </summary>
    public string? Cgroup { get; private set; }

    /// <summary>Moves process <paramref name="pid"/> (and so everything it forks from now on) into <see cref="Cgroup"/>.</summary>
    public void Account(int pid)
    {
        if (Cgroup is not null)
        {
            File.WriteAllText(Path.Combine(Cgroup, "cgroup.procs"), pid.ToString(CultureInfo.InvariantCulture));
        }
    }

    public AgentServer? Agent { get; private set; }

    public int QemuPid { get; private set; }

    public static string Vm => VmId;

    /// <summary>
    /// Builds everything; on failure removes what it made and throws <see cref="MoveBenchException"/> with one line.
    /// <paramref name="filledMiB"/> is how much of both disks is filled with data first (<see cref="FilledMiB"/> for the
    /// bench; 0 for runs without disk reads, since a TCG guest takes about a CPU-minute to fill 64 MiB).
    /// </summary>
    public static async Task<MoveLab> StartAsync(
        GuestImage image, Accelerator accelerator, string qemuBinary, int guestMemoryMiB, CancellationToken cancellationToken, int filledMiB = FilledMiB)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(filledMiB);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(filledMiB, DiskMiB);
        ArgumentNullException.ThrowIfNull(image);
        await SweepStaleAsync(cancellationToken).ConfigureAwait(false);
        var pid = Environment.ProcessId;
        var work = Path.Combine(Path.GetTempPath(), $"roost-move-{pid:x}");
        PrivateFiles.CreateDirectory(work);
        var lab = new MoveLab(pid.ToString("x", CultureInfo.InvariantCulture), pid % 200 + 20, work);
        lab._undo.Add(() => Task.Run(() => Directory.Delete(work, recursive: true)));
        try
        {
            await lab.BuildAsync(image, accelerator, qemuBinary, guestMemoryMiB, filledMiB, cancellationToken).ConfigureAwait(false);
            return lab;
        }
        catch
        {
            await lab.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task BuildAsync(GuestImage image, Accelerator accelerator, string qemuBinary, int guestMemoryMiB, int filledMiB, CancellationToken cancellationToken)
    {
        var (binary, failure) = await GuestImageBuilder.CompileAsync(WorkDirectory, "loadgen", GuestScripts.Read("loadgen.c"), cancellationToken).ConfigureAwait(false);
        if (failure is not null)
        {
            throw new MoveBenchException($"the host's load generator: {failure}");
        }

        await File.WriteAllBytesAsync(Loadgen, binary, cancellationToken).ConfigureAwait(false);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Loadgen, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        await File.WriteAllBytesAsync(AppDb, GuestScripts.Read("app-db"), cancellationToken).ConfigureAwait(false);

        // The peer namespace and the veth between it and the host.
        await IpAsync(cancellationToken, "netns", "add", Namespace).ConfigureAwait(false);
        _undo.Add(() => IpAsync(CancellationToken.None, "netns", "delete", Namespace));
        await IpAsync(cancellationToken, "link", "add", HostVeth, "type", "veth", "peer", "name", "eth0", "netns", Namespace).ConfigureAwait(false);
        _undo.Add(() => IpAsync(CancellationToken.None, "link", "del", HostVeth));
        await IpAsync(cancellationToken, "addr", "add", NativeAddress + "/24", "dev", HostVeth).ConfigureAwait(false);
        await IpAsync(cancellationToken, "link", "set", HostVeth, "up").ConfigureAwait(false);
        await IpAsync(cancellationToken, "-n", Namespace, "addr", "add", NativePeerAddress + "/24", "dev", "eth0").ConfigureAwait(false);
        await IpAsync(cancellationToken, "-n", Namespace, "link", "set", "eth0", "up").ConfigureAwait(false);
        await IpAsync(cancellationToken, "-n", Namespace, "link", "set", "lo", "up").ConfigureAwait(false);

        // Exact CPU time of the native application and its children (cgroup v1 cpuacct), where the host has it.
        const string Cpuacct = "/sys/fs/cgroup/cpuacct";
        if (File.Exists(Path.Combine(Cpuacct, "cpuacct.usage")))
        {
            var cgroup = Path.Combine(Cpuacct, $"roost-move-{Tag}");
            Directory.CreateDirectory(cgroup);
            Cgroup = cgroup;
            _undo.Add(() => RemoveCgroupAsync(cgroup));
        }

        // The guest's bridge, with the host's end of its segment.
        await IpAsync(cancellationToken, "link", "add", Bridge, "type", "bridge").ConfigureAwait(false);
        _undo.Add(() => IpAsync(CancellationToken.None, "link", "del", Bridge));
        await IpAsync(cancellationToken, "addr", "add", BridgeAddress + "/24", "dev", Bridge).ConfigureAwait(false);
        await IpAsync(cancellationToken, "link", "set", Bridge, "up").ConfigureAwait(false);

        // The native disk: a loop device (direct I/O to its file) over a file filled like the guest's disk.
        var loopFile = Path.Combine(WorkDirectory, "disk.img");
        PrivateFiles.CreateSparseFile(loopFile, DiskMiB * 1024L * 1024);
        await FillAsync(loopFile, filledMiB, cancellationToken).ConfigureAwait(false);
        var (loop, output) = await RunAsync("losetup", ["--find", "--show", "--direct-io=on", loopFile], cancellationToken).ConfigureAwait(false);
        if (loop != 0 || !output.Trim().StartsWith("/dev/loop", StringComparison.Ordinal))
        {
            throw new MoveBenchException($"losetup --find --show --direct-io=on {loopFile}: {output.Trim()}");
        }

        LoopDevice = output.Trim();
        _undo.Add(() => RunAsync("losetup", ["--detach", LoopDevice], CancellationToken.None));

        // The guest, through the agent: NIC on the bridge, a raw disk whose first 64 MiB it fills with data.
        var options = new AgentOptions($"move-{Tag}", new AgentCapacity(2, guestMemoryMiB + 64), Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)),
            image, accelerator, qemuBinary, Path.Combine(WorkDirectory, "agent"))
        {
            Networks = new Dictionary<string, string> { ["move"] = Bridge },
            BootTimeout = TimeSpan.FromSeconds(90),
        };
        Agent = await AgentServer.StartAsync(options, "127.0.0.1:0", TimeProvider.System, cancellationToken).ConfigureAwait(false);
        _undo.Add(async () => await Agent.DisposeAsync().ConfigureAwait(false));
        var created = await Agent.Agent.CreateAsync(new GuestSpec(VmId, 1, guestMemoryMiB, DiskMiB, new GuestNic("move", GuestAddress + "/24")), cancellationToken).ConfigureAwait(false);
        if (created is not AgentOutcome<VmInfo>.Ok { Value: var vm })
        {
            throw new MoveBenchException($"the guest: {((AgentOutcome<VmInfo>.Failed)created).Problem.Detail}");
        }

        QemuPid = vm.Pid;
        if (filledMiB > 0 && await Agent.Agent.GuestDiskAsync(VmId, filledMiB, cancellationToken).ConfigureAwait(false) is { } diskFailure)
        {
            throw new MoveBenchException($"the guest's disk: {diskFailure}");
        }
    }

    /// <summary>Runs the host's load generator with <paramref name="plan"/>, natively or (<paramref name="inPeer"/>) in the peer namespace.</summary>
    public Process StartLoadgen(LoadgenPlan plan, bool inPeer)
    {
        ArgumentNullException.ThrowIfNull(plan);
        IEnumerable<string> arguments = plan.Arguments(LoopDevice);
        return inPeer ? Start("ip", ["netns", "exec", Namespace, Loadgen, .. arguments]) : Start(Loadgen, arguments);
    }

    /// <summary>Starts a process (argument list, no shell) with its output discarded.</summary>
    public static Process Start(string file, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new MoveBenchException($"cannot start {file}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new MoveBenchException($"cannot run {file}: {e.Message} (the web application needs busybox, the db application sqlite3)");
        }

        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Kills <paramref name="process"/> and its children (if it still runs) and waits for it.</summary>
    public static async Task StopAsync(Process? process)
    {
        if (process is null)
        {
            return;
        }

        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }

        await process.WaitForExitAsync().ConfigureAwait(false);
        process.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _undo.Count - 1; i >= 0; i--)
        {
            try
            {
                await _undo[i]().ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or MoveBenchException or UnauthorizedAccessException)
            {
                // Best effort: the next bench's sweep removes what is left.
            }
        }

        _undo.Clear();
    }

    /// <summary>Removes what benches whose process died left behind: namespaces, bridges, veths, loop devices, work directories.</summary>
    public static async Task SweepStaleAsync(CancellationToken cancellationToken)
    {
        static bool Dead(string hex) => int.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var pid) && !Directory.Exists($"/proc/{pid}");

        foreach (var link in Directory.GetDirectories("/sys/class/net").Select(Path.GetFileName).OfType<string>())
        {
            if ((link.StartsWith("rmb", StringComparison.Ordinal) || link.StartsWith("rmh", StringComparison.Ordinal)) && Dead(link[3..]))
            {
                await RunAsync("ip", ["link", "del", link], cancellationToken).ConfigureAwait(false);
            }
        }

        var (_, namespaces) = await RunAsync("ip", ["netns", "list"], cancellationToken).ConfigureAwait(false);
        foreach (var name in namespaces.Split('\n').Select(l => l.Split(' ')[0]).Where(n => n.StartsWith("roost-move-", StringComparison.Ordinal)))
        {
            if (Dead(name["roost-move-".Length..]))
            {
                await RunAsync("ip", ["netns", "delete", name], cancellationToken).ConfigureAwait(false);
            }
        }

        foreach (var cgroup in Directory.Exists("/sys/fs/cgroup/cpuacct") ? Directory.GetDirectories("/sys/fs/cgroup/cpuacct", "roost-move-*") : [])
        {
            if (Dead(Path.GetFileName(cgroup)["roost-move-".Length..]))
            {
                await RemoveCgroupAsync(cgroup).ConfigureAwait(false);
            }
        }

        foreach (var work in Directory.GetDirectories(Path.GetTempPath(), "roost-move-*"))
        {
            if (Dead(Path.GetFileName(work)["roost-move-".Length..]))
            {
                var (_, loops) = await RunAsync("losetup", ["--noheadings", "--output", "NAME", "--associated", Path.Combine(work, "disk.img")], cancellationToken).ConfigureAwait(false);
                foreach (var loop in loops.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    await RunAsync("losetup", ["--detach", loop], cancellationToken).ConfigureAwait(false);
                }

                Directory.Delete(work, recursive: true);
            }
        }
    }

    /// <summary>Removes a cgroup once the processes left in it (stopped moments ago) are gone.</summary>
    private static async Task RemoveCgroupAsync(string cgroup)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            try
            {
                Directory.Delete(cgroup);
                return;
            }
            catch (IOException)
            {
                await Task.Delay(100).ConfigureAwait(false);
            }
        }
    }

    private static async Task FillAsync(string path, int mib, CancellationToken cancellationToken)
    {
        var buffer = new byte[1 << 20];
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.None, 1 << 20, useAsync: true);
        for (var i = 0; i < mib; i++)
        {
            System.Security.Cryptography.RandomNumberGenerator.Fill(buffer);
            await file.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        }

        await file.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task IpAsync(CancellationToken cancellationToken, params string[] arguments)
    {
        var (code, output) = await RunAsync("ip", arguments, cancellationToken).ConfigureAwait(false);
        if (code != 0)
        {
            throw new MoveBenchException($"ip {string.Join(' ', arguments)}: {output.Trim().Split('\n')[0]}");
        }
    }

    /// <summary>
    /// Runs a host tool (argument list, no shell; <see cref="WanLab.RunCapturingAsync"/>): its exit code (-1 when it is
    /// not installed) and its standard output, or its first error line on failure.
    /// </summary>
    private static async Task<(int Code, string Output)> RunAsync(string file, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var (result, output) = await WanLab.RunCapturingAsync(file, arguments, cancellationToken).ConfigureAwait(false);
        return (result.ExitCode, result.ExitCode == 0 ? output : result.FirstErrorLine);
    }
}
