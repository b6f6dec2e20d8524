using System.ComponentModel;
using System.Diagnostics;
using Roost.Hypervisor.Qmp;

namespace Roost.Hypervisor.Qemu;

/// <summary>
/// One running QEMU process: its QMP connection, its reporter channel and its guest RAM file. Disposing destroys
/// the process and removes every file it used (RAM file, disk, sockets, pidfile, console log), whatever state it was in.
/// </summary>
public sealed class QemuVm : IAsyncDisposable
{
    /// <summary>A boot may take this many times its timeout in wall time, however loaded the host is.</summary>
    public const int BootWallLimit = 3;

    private static readonly TimeSpan _startTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan _bootPoll = TimeSpan.FromMilliseconds(250);

    private readonly Process _process;
    private readonly TimeProvider _time;
    private readonly Queue<string> _stderrTail = new();
    private int _disposed;
    private QmpClient? _qmp;
    private ReporterChannel? _reporter;
    private GuestRamWindow? _ram;

    private readonly TaskCompletionSource _exit = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly bool _adopted;

    private QemuVm(QemuLaunch launch, Process process, TimeProvider time, bool adopted)
    {
        Launch = launch;
        _process = process;
        _time = time;
        _adopted = adopted;
        ProcessId = process.Id;
        if (!adopted)
        {
            _ = process.WaitForExitAsync().ContinueWith(_ => _exit.TrySetResult(), TaskScheduler.Default);
        }
    }

    public QemuLaunch Launch { get; }

    public GuestSpec Spec => Launch.Spec;

    public int ProcessId { get; }

    /// <summary>The QEMU version (from the QMP greeting; 0.0 if unreadable), known once <see cref="StartAsync"/> or <see cref="AdoptAsync"/> returned.</summary>
    public Version QemuVersion { get; private set; } = new(0, 0);

    /// <summary>Null when this QEMU can live-migrate the guest without losing writes, else one line why not (<see cref="MigrationSafety"/>).</summary>
    public string? MigrationRefusal => MigrationSafety.Refusal(Launch.Accelerator, QemuVersion);

    /// <summary>
    /// Completes when the QEMU process exits, for any reason. For an adopted QEMU (not our child, so it cannot be
    /// waited for) the end of its QMP connection stands for its exit.
    /// </summary>
    public Task Exited => _exit.Task;

    public bool HasExited => Exited.IsCompleted;

    /// <summary>The QMP connection; always set once <see cref="StartAsync"/> has returned.</summary>
    public QmpClient Qmp => _qmp ?? throw new InvalidOperationException($"VM '{Spec.Id}': QMP is not connected yet");

    /// <summary>The reporter channel; always set once <see cref="StartAsync"/> has returned.</summary>
    public ReporterChannel Reporter => _reporter ?? throw new InvalidOperationException($"VM '{Spec.Id}': reporter is not connected yet");

    /// <summary>QEMU's last words on stderr, one line, for error messages.</summary>
    public string LastError
    {
        get
        {
            lock (_stderrTail)
            {
                return _stderrTail.Count == 0 ? "no message" : string.Join(" | ", _stderrTail);
            }
        }
    }

    /// <summary>Starts QEMU and connects to its QMP and reporter sockets. Does not wait for the guest to boot.</summary>
    public static async Task<QemuVm> StartAsync(QemuLaunch launch, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(launch);
        ArgumentNullException.ThrowIfNull(time);
        PrivateFiles.CreateDirectory(launch.RunDirectory);
        DeleteOwnedFiles(launch);

        // The guest RAM file exists, owner-only, before QEMU opens it (QEMU would create it with its umask, 0644):
        // /dev/shm is shared by every user of the host.
        try
        {
            if (!launch.MergeableMemory)
            {
                PrivateFiles.CreateEmptyFile(launch.MemoryPath);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new QemuException($"VM '{launch.Spec.Id}': cannot create guest RAM file {launch.MemoryPath}: {e.Message}");
        }

        if (launch.Spec.DiskMiB > 0)
        {
            // A sparse raw file, owner-only from its first instant: an incoming QEMU's disk starts empty and is filled
            // by the source's block mirror; a new VM's starts as zeros.
            try
            {
                PrivateFiles.CreateSparseFile(launch.DiskPath, launch.Spec.DiskMiB * 1024L * 1024);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                File.Delete(launch.MemoryPath);
                throw new QemuException($"VM '{launch.Spec.Id}': cannot create its disk {launch.DiskPath}: {e.Message}");
            }
        }

        var start = new ProcessStartInfo(launch.QemuBinary)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in launch.Arguments())
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            process.Dispose();
            DeleteOwnedFiles(launch);
            throw new QemuException($"VM '{launch.Spec.Id}': cannot run '{launch.QemuBinary}': {e.Message}");
        }

        var vm = new QemuVm(launch, process, time, adopted: false);
        process.ErrorDataReceived += (_, e) => vm.OnStderr(e.Data);
        process.BeginErrorReadLine();
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        try
        {
            await vm.ConnectAsync(cancellationToken).ConfigureAwait(false);
            await vm.LocateRamAsync(cancellationToken).ConfigureAwait(false);
            await AttachTapAsync(launch, cancellationToken).ConfigureAwait(false);
            return vm;
        }
        catch
        {
            await vm.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Puts the tap QEMU created for the VM's NIC on its bridge and up (QEMU has set it up once QMP answers). Runs
    /// before a new guest's first report and while an incoming guest is still paused, so no guest sends a frame
    /// before its port is on the segment. The names are the agent's own (tap from a hash, bridge from its allow-list).
    /// </summary>
    private static async Task AttachTapAsync(QemuLaunch launch, CancellationToken cancellationToken)
    {
        if (launch.Spec.Nic is null || launch.TapName is null || launch.Bridge is null)
        {
            return;
        }

        var result = await Images.ExternalCommand.RunAsync("ip", ["link", "set", "dev", launch.TapName, "master", launch.Bridge, "up"], "/", cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new QemuException($"VM '{launch.Spec.Id}': cannot attach its NIC's tap {launch.TapName} to bridge {launch.Bridge}: {result.FirstErrorLine}");
        }
    }

    /// <summary>
    /// Takes over a QEMU started by an earlier run of this agent (which died): reconnects to its QMP and reporter
    /// sockets. Returns null when the process is gone or its sockets do not answer.
    /// </summary>
    public static async Task<QemuVm?> AdoptAsync(QemuLaunch launch, int pid, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(launch);
        Process process;
        try
        {
            process = Process.GetProcessById(pid);
        }
        catch (ArgumentException)
        {
            return null;
        }

        var vm = new QemuVm(launch, process, time, adopted: true);
        try
        {
            vm._qmp = await QmpClient.ConnectAsync(launch.QmpSocket, time, TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
            vm.QemuVersion = ParseVersion(vm._qmp.QemuVersion);
            _ = vm._qmp.Closed.ContinueWith(_ => vm._exit.TrySetResult(), TaskScheduler.Default);
            vm._reporter = await ReporterChannel.ConnectAsync(launch.ReporterSocket, time, cancellationToken).ConfigureAwait(false);
            await vm.LocateRamAsync(cancellationToken).ConfigureAwait(false);
            return vm;
        }
        catch (Exception e) when (e is QmpException or QemuException or IOException or System.Net.Sockets.SocketException)
        {
            await vm.DisposeAsync().ConfigureAwait(false);
            return null;
        }
    }

    /// <summary>
    /// Waits for the guest's first report: the guest has booted and its reporter runs. <paramref name="timeout"/> counts
    /// only time QEMU could use (see <see cref="WaitOnGuestAsync{T}"/>), so a boot that is slow because the machine is
    /// busy does not fail, while a guest that hangs (spinning or idle) still does, with the figures in the message.
    /// </summary>
    public async Task<GuestReport> WaitUntilReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var wait = await WaitOnGuestAsync(
            (wallLimit, token) => Reporter.WaitForReportAsync(_ => true, wallLimit, token), timeout, cancellationToken).ConfigureAwait(false);
        return wait switch
        {
            { Answered: true, Value: { } report } => report,
            { QemuExited: true } => throw new QemuException($"VM '{Spec.Id}': QEMU exited while the guest booted: {LastError}"),
            _ => throw new QemuException(NotAnsweredMessage("the guest reporter did not speak", timeout, wait.Elapsed, wait.Waited)),
        };
    }

    /// <summary>
    /// Sends one reporter command and returns the guest's acknowledgement line, or null with the reason when the guest
    /// did not answer within <paramref name="timeout"/> of time QEMU could use (the clock stops while QEMU waits for a
    /// CPU, as for a boot) or QEMU exited. The line is the guest's: parse it with a validating reader.
    /// </summary>
    public async Task<(System.Text.Json.JsonElement? Ack, string? Failure)> RequestGuestAsync(
        string command, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var wait = await WaitOnGuestAsync(
            (wallLimit, token) => Reporter.RequestAsync(command, wallLimit, token), timeout, cancellationToken).ConfigureAwait(false);
        return wait switch
        {
            { Answered: true, Value: { } ack } => (ack, null),
            { QemuExited: true } => (null, $"VM '{Spec.Id}': QEMU exited before the guest acknowledged '{command}'"),
            _ => (null, NotAnsweredMessage($"the guest did not acknowledge '{command}'", timeout, wait.Elapsed, wait.Waited)),
        };
    }

    private readonly record struct GuestWait<T>(bool Answered, bool QemuExited, T? Value, TimeSpan Elapsed, TimeSpan Waited);

    /// <summary>
    /// Waits for an answer from the guest that <paramref name="start"/> asks for (given a wall-time limit and a token
    /// this method cancels when it gives up). <paramref name="timeout"/> counts only time QEMU could use: while one of
    /// its threads waits for a CPU (a loaded host) the clock stops. <see cref="BootWallLimit"/> times
    /// <paramref name="timeout"/> of wall time is the limit regardless. A <see cref="TimeoutException"/> from the answer
    /// (its wall limit) is a timeout.
    /// </summary>
    private async Task<GuestWait<T>> WaitOnGuestAsync<T>(
        Func<TimeSpan, CancellationToken, Task<T>> start, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        var waitedBefore = ProcessStats.ReadRunQueueWait(ProcessId) ?? TimeSpan.Zero;
        using var gaveUp = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var answer = start(timeout * BootWallLimit, gaveUp.Token);
        while (true)
        {
            var first = await Task.WhenAny(answer, Exited, Task.Delay(_bootPoll, _time, cancellationToken)).ConfigureAwait(false);
            if (first == answer)
            {
                try
                {
                    return new(true, false, await answer.ConfigureAwait(false), _time.GetElapsedTime(started), Waited(waitedBefore));
                }
                catch (TimeoutException)
                {
                    return new(false, false, default, _time.GetElapsedTime(started), Waited(waitedBefore));
                }
            }

            var elapsed = _time.GetElapsedTime(started);
            var waited = Waited(waitedBefore);
            var exited = first == Exited;
            if (!exited)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            if (exited || elapsed - waited >= timeout || elapsed >= timeout * BootWallLimit)
            {
                await gaveUp.CancelAsync().ConfigureAwait(false);
                try
                {
                    await answer.ConfigureAwait(false);
                }
                catch (Exception e) when (e is OperationCanceledException or TimeoutException)
                {
                    // The answer was abandoned (or ran out of wall time): the outcome is decided.
                }

                return new(false, exited, default, elapsed, waited);
            }
        }
    }

    /// <summary>How long QEMU waited for a CPU since <paramref name="before"/> was read (never negative: a thread that ends takes its figure along).</summary>
    private TimeSpan Waited(TimeSpan before) =>
        ProcessStats.ReadRunQueueWait(ProcessId) is { } now && now > before ? now - before : TimeSpan.Zero;

    private string NotAnsweredMessage(string what, TimeSpan timeout, TimeSpan elapsed, TimeSpan waited) =>
        string.Create(
            System.Globalization.CultureInfo.InvariantCulture,
            $"VM '{Spec.Id}': {what} within {timeout.TotalSeconds:0.#} s ({elapsed.TotalSeconds:0.#} s passed, {waited.TotalSeconds:0.#} s of them waiting for a CPU; QEMU used {ReadProcessStats()?.CpuTime.TotalSeconds ?? 0:0.#} s of CPU)");

    /// <summary>Host-side statistics of the QEMU process, or null once it has exited.</summary>
    public ProcessStats? ReadProcessStats() => HasExited ? null : ProcessStats.Read(ProcessId);

    /// <summary>
    /// Reads guest RAM (offsets into the RAM block: the backend file, or the mergeable memory through
    /// <see cref="GuestRamWindow"/>) into <paramref name="buffer"/>, while the guest runs.
    /// </summary>
    public int ReadMemory(long offset, Span<byte> buffer)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (Launch.MergeableMemory)
        {
            return (_ram ?? throw new IOException($"VM '{Spec.Id}': its RAM was not located")).Read(offset, buffer);
        }

        using var file = File.OpenHandle(Launch.MemoryPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return RandomAccess.Read(file, buffer, offset);
    }

    /// <summary>Asks the guest to power off, waits up to <paramref name="grace"/>, then destroys QEMU regardless.</summary>
    public async Task StopAsync(TimeSpan grace, CancellationToken cancellationToken)
    {
        if (!HasExited)
        {
            await Reporter.SendAsync("stop", grace, cancellationToken).ConfigureAwait(false);
            await Task.WhenAny(Exited, Task.Delay(grace, _time, cancellationToken)).ConfigureAwait(false);
        }

        await DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Kills QEMU (if running), waits for it, closes the connections and deletes every file it used.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            await Exited.ConfigureAwait(false);
            return;
        }

        if (!HasExited)
        {
            try
            {
                _process.Kill();
            }
            catch (InvalidOperationException)
            {
                // Exited between the check and the kill.
            }
        }

        if (_adopted && _qmp is null)
        {
            _exit.TrySetResult();
        }

        await Exited.ConfigureAwait(false);
        if (_qmp is not null)
        {
            await _qmp.DisposeAsync().ConfigureAwait(false);
        }

        if (_reporter is not null)
        {
            await _reporter.DisposeAsync().ConfigureAwait(false);
        }

        _process.Dispose();
        DeleteOwnedFiles(Launch);
    }

    /// <summary>Removes every file a QEMU of <paramref name="launch"/> makes (its RAM file and disk among them), if present.</summary>
    private static void DeleteOwnedFiles(QemuLaunch launch)
    {
        foreach (var file in launch.OwnedFiles())
        {
            File.Delete(file);
        }
    }

    /// <summary>With mergeable memory: where guest RAM is in QEMU (QEMU allocates it before its QMP socket answers).</summary>
    private async Task LocateRamAsync(CancellationToken cancellationToken)
    {
        if (!Launch.MergeableMemory)
        {
            return;
        }

        var (window, refusal) = await GuestRamWindow.LocateAsync(Qmp, ProcessId, Spec.MemoryMiB * 1024L * 1024, cancellationToken).ConfigureAwait(false);
        _ram = window ?? throw new QemuException($"VM '{Spec.Id}': cannot locate its mergeable RAM in QEMU: {refusal}");
    }

    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        while (true)
        {
            if (HasExited)
            {
                throw new QemuException($"VM '{Spec.Id}': QEMU exited at start: {LastError}");
            }

            if (_time.GetElapsedTime(started) > _startTimeout)
            {
                throw new QemuException($"VM '{Spec.Id}': QEMU opened no QMP socket within {_startTimeout.TotalSeconds:0} s");
            }

            if (File.Exists(Launch.QmpSocket) && File.Exists(Launch.ReporterSocket))
            {
                try
                {
                    _qmp ??= await QmpClient.ConnectAsync(Launch.QmpSocket, _time, _startTimeout, cancellationToken).ConfigureAwait(false);
                    QemuVersion = ParseVersion(_qmp.QemuVersion);
                    _reporter = await ReporterChannel.ConnectAsync(Launch.ReporterSocket, _time, cancellationToken).ConfigureAwait(false);
                    return;
                }
                catch (Exception e) when (e is QmpException or System.Net.Sockets.SocketException)
                {
                    // QEMU is not listening yet, or is dying: the loop's exit check says which.
                }
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private static Version ParseVersion(string greeting) =>
        Version.TryParse(greeting, out var version) ? version : new Version(0, 0);

    private void OnStderr(string? line)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return;
        }

        lock (_stderrTail)
        {
            _stderrTail.Enqueue(line.Trim());
            while (_stderrTail.Count > 3)
            {
                _stderrTail.Dequeue();
            }
        }
    }
}
