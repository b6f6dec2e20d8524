using System.Globalization;
using System.Net;
using Roost.Core.Model;
using Roost.Core.Recovery;
using Roost.Hypervisor.Images;
using Roost.Hypervisor.Qemu;

namespace Roost.Hypervisor.Recovery;

/// <summary>What the cloud site needs to boot its warm replicas: where, on which bridge, each VM's address.</summary>
/// <param name="Run">An owner-only folder: each VM's exported replica and QEMU's sockets (a folder per VM).</param>
/// <param name="Bridge">The bridge each failed-over guest's tap joins.</param>
/// <param name="Guests">The address (and gateway) each VM keeps when it fails over here; a VM without one is not booted here.</param>
/// <param name="Key">The shared secret: failback's frames are authenticated with it.</param>
public sealed record DrSiteOptions(string Run, string Bridge, IReadOnlyDictionary<int, GuestNic> Guests, ReadOnlyMemory<byte> Key)
{
    public string Qemu { get; init; } = "qemu-system-x86_64";

    public int MemoryMiB { get; init; } = 256;

    /// <summary>Fail a VM over by itself when its primary is declared lost (otherwise only on command).</summary>
    public bool FailoverOnLoss { get; init; }

    /// <summary>Failback's block size, compared by digest.</summary>
    public int FailbackBlockBytes { get; init; } = 64 * 1024;
}

/// <summary>
/// The cloud site's actions (<c>roost dr serve --run … --bridge … --guest …</c>): failover fences a VM, exports its
/// replica at the latest consistent point and boots it here with its own address (on command, or when its primary is
/// declared lost with <see cref="DrSiteOptions.FailoverOnLoss"/>); failback stops it and makes the recovered primary's
/// disk equal to the one it ran on, moving only the blocks that differ. Each action runs in the background; the status
/// (<see cref="Status"/>) shows its progress, RTO and bytes moved. A guest that has served here keeps its disk: a
/// later boot (a failover retried, a failback that failed) starts from it, never from the journal again, so nothing
/// a client saw acknowledged here is lost.
/// </summary>
public sealed class DrSite : IDrSiteActions, IAsyncDisposable
{
    private readonly ReplicationServer _server;
    private readonly DrSiteOptions _options;
    private readonly GuestImage _image;
    private readonly TimeProvider _time;
    private readonly Action<string> _log;
    private readonly Lock _lock = new();
    private readonly Dictionary<int, VmAction> _actions = [];
    private readonly CancellationTokenSource _stop = new();

    private DrSite(ReplicationServer server, DrSiteOptions options, GuestImage image, TimeProvider time, Action<string> log)
    {
        _server = server;
        _options = options;
        _image = image;
        _time = time;
        _log = log;
        if (options.FailoverOnLoss)
        {
            server.PrimaryLost = vm =>
            {
                if (Failover(vm, "loss") is DrActionResult.Conflict conflict)
                {
                    _log($"roost dr serve: no failover of VM {vm} on its loss: {conflict.Reason}");
                }
            };
        }
    }

    /// <summary>
    /// The site's actions over <paramref name="server"/>: the service image is made ready now (built or found in the
    /// image cache), so a failover's time is the export and the boot. Throws <see cref="IOException"/> when it cannot be.
    /// </summary>
    public static async Task<DrSite> StartAsync(ReplicationServer server, DrSiteOptions options, TimeProvider time, Action<string> log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(options);
        PrivateFiles.CreateDirectory(options.Run);
        var image = await DrGuest.ServiceImageAsync(options.Run, cancellationToken).ConfigureAwait(false);
        return new DrSite(server, options, image, time, log);
    }

    /// <summary>The server's status with each VM's action state, its last failover and failback laid over.</summary>
    public DrSiteStatus Status
    {
        get
        {
            var status = _server.Status;
            lock (_lock)
            {
                return status with
                {
                    Vms = [.. status.Vms.Select(v => _actions.TryGetValue(v.Vm, out var a) ? v with { State = a.State, Failover = a.Failover, Failback = a.Failback } : v)],
                };
            }
        }
    }

    public DrActionResult Failover(int vm, string trigger)
    {
        var known = _server.Status.Vms.FirstOrDefault(v => v.Vm == vm);
        if (known is null)
        {
            return new DrActionResult.UnknownVm();
        }

        if (!_options.Guests.TryGetValue(vm, out var nic))
        {
            return new DrActionResult.Conflict($"VM {vm} has no address at this site (roost dr serve --guest {vm}=ADDRESS/PREFIX): it cannot be booted here");
        }

        VmAction action;
        lock (_lock)
        {
            action = _actions.TryGetValue(vm, out var existing) ? existing : _actions[vm] = new VmAction();
            if (action.State is DrVmStates.FailingOver or DrVmStates.FailedOver or DrVmStates.FailingBack or DrVmStates.FailedBack)
            {
                return new DrActionResult.Conflict(action.State == DrVmStates.FailedBack
                    ? $"VM {vm} has failed back to its primary; protect it again from there (a fresh journal at this site)"
                    : $"VM {vm} is {action.State} here");
            }

            action.State = DrVmStates.FailingOver;
            action.Failover = new DrFailoverStatus(_time.GetUtcNow(), trigger, null, nic.Address, null, null, null, null);
        }

        _log($"roost dr serve: VM {vm}: failover ({trigger})");
        action.Work = Task.Run(() => FailoverAsync(vm, nic, action, known.LastContact));
        return new DrActionResult.Started();
    }

    public DrActionResult Failback(int vm, IPEndPoint primary)
    {
        ArgumentNullException.ThrowIfNull(primary);
        if (_server.Status.Vms.All(v => v.Vm != vm))
        {
            return new DrActionResult.UnknownVm();
        }

        VmAction? action;
        lock (_lock)
        {
            if (!_actions.TryGetValue(vm, out action) || action.State != DrVmStates.FailedOver || action.Guest is null)
            {
                return new DrActionResult.Conflict($"VM {vm} is {action?.State ?? _server.Status.Vms.First(v => v.Vm == vm).State} here; only a failed-over VM fails back");
            }

            action.State = DrVmStates.FailingBack;
            action.Failback = new DrFailbackStatus(_time.GetUtcNow(), primary.ToString(), null, null, null, null);
        }

        _log($"roost dr serve: VM {vm}: failback to {primary}");
        action.Work = Task.Run(() => FailbackAsync(vm, primary, action));
        return new DrActionResult.Started();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        List<VmAction> actions;
        lock (_lock)
        {
            actions = [.. _actions.Values];
        }

        foreach (var action in actions)
        {
            if (action.Work is { } work)
            {
                await work.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            if (action.Guest is { } guest)
            {
                await guest.DisposeAsync().ConfigureAwait(false);
            }
        }

        _stop.Dispose();
    }

    private string RunOf(int vm) => Path.Combine(_options.Run, string.Create(CultureInfo.InvariantCulture, $"vm-{vm}"));

    private async Task FailoverAsync(int vm, GuestNic nic, VmAction action, DateTimeOffset? lastContact)
    {
        var run = RunOf(vm);
        var disk = Path.Combine(run, "replica.img");
        try
        {
            long? at;
            if (action.DiskServed)
            {
                // A guest ran here on this disk: its writes are newer than the journal; boot the disk as it is.
                at = action.Failover?.BootedFromWrite;
            }
            else
            {
                PrivateFiles.CreateDirectory(run);
                File.Delete(disk);
                at = await _server.FenceAndExportAsync(vm, disk, _stop.Token).ConfigureAwait(false)
                    ?? throw new IOException($"VM {vm} is not protected here");
            }

            lock (_lock)
            {
                action.Failover = action.Failover! with { BootedFromWrite = at };
            }

            var guest = await BootAsync(vm, nic, run, disk).ConfigureAwait(false);
            var serving = _time.GetUtcNow();
            lock (_lock)
            {
                var failover = action.Failover!;
                action.Guest = guest;
                action.DiskServed = true;
                action.State = DrVmStates.FailedOver;
                action.Failover = failover with
                {
                    ServingAt = serving,
                    RtoSeconds = (serving - failover.RequestedAt).TotalSeconds,
                    OutageSeconds = lastContact is { } contact ? (serving - contact).TotalSeconds : null,
                };
            }

            _log(string.Create(CultureInfo.InvariantCulture,
                $"roost dr serve: VM {vm} failed over: serving at {guest.Service} from write {at}, {(serving - action.Failover!.RequestedAt).TotalSeconds:0.00} s after the request (boot {guest.BootedAfter.TotalSeconds:0.00} s)"));
            _ = WatchAsync(vm, action, guest);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or QemuException or TimeoutException or InvalidOperationException)
        {
            Fail(vm, action, e.Message, failback: false);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    private async Task FailbackAsync(int vm, IPEndPoint primary, VmAction action)
    {
        var run = RunOf(vm);
        var disk = Path.Combine(run, "replica.img");
        DrGuest? guest;
        lock (_lock)
        {
            guest = action.Guest;
            action.Guest = null;
        }

        try
        {
            // Stopped first: the disk must not change while the primary's is made equal to it.
            if (guest is not null)
            {
                await guest.DisposeAsync().ConfigureAwait(false);
            }

            var report = await DiskResync.SendAsync(primary, _options.Key, new VmId(vm), disk, _options.FailbackBlockBytes, _stop.Token).ConfigureAwait(false);
            lock (_lock)
            {
                action.State = DrVmStates.FailedBack;
                action.Failback = action.Failback! with { DoneAt = _time.GetUtcNow(), MovedBytes = report.BytesSent + report.BytesReceived, FullBytes = report.DiskBytes };
            }

            _log(string.Create(CultureInfo.InvariantCulture,
                $"roost dr serve: VM {vm} failed back to {primary}: moved {report.BlocksMoved} of {report.Blocks} blocks, {report.BytesSent + report.BytesReceived} bytes against a full copy of {report.DiskBytes}"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Net.Sockets.SocketException or InvalidDataException)
        {
            // Not failed back: the guest serves here again, from the disk it had.
            _log($"roost dr serve: VM {vm}: failback to {primary} failed: {e.Message}; booting it here again");
            lock (_lock)
            {
                action.Failback = action.Failback! with { Problem = e.Message };
            }

            try
            {
                var again = await BootAsync(vm, _options.Guests[vm], run, disk).ConfigureAwait(false);
                lock (_lock)
                {
                    action.Guest = again;
                    action.State = DrVmStates.FailedOver;
                }

                _ = WatchAsync(vm, action, again);
            }
            catch (Exception boot) when (boot is IOException or QemuException or TimeoutException)
            {
                Fail(vm, action, $"failback failed ({e.Message}) and the guest did not boot here again: {boot.Message}", failback: true);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    private async Task<DrGuest> BootAsync(int vm, GuestNic nic, string run, string disk)
    {
        foreach (var stale in StaleGuestMemory.Sweep("/dev/shm", "roost.dr."))
        {
            _log($"roost dr serve: removed {stale}, the guest RAM of a killed 'roost dr' process");
        }

        var launch = DrGuest.Launch(_options.Qemu, _image, new VmId(vm), _options.MemoryMiB, nic, run) with
        {
            DiskImage = disk,
            TapName = GuestNic.TapNameFor("dr-failover", string.Create(CultureInfo.InvariantCulture, $"vm-{vm}")),
            Bridge = _options.Bridge,
        };
        return await DrGuest.StartAsync(launch, nic, _time, _stop.Token).ConfigureAwait(false);
    }

    /// <summary>A failed-over guest whose QEMU exits by itself is no longer serving: the state says so.</summary>
    private async Task WatchAsync(int vm, VmAction action, DrGuest guest)
    {
        await guest.Exited.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        lock (_lock)
        {
            if (!ReferenceEquals(action.Guest, guest) || _stop.IsCancellationRequested)
            {
                return;
            }

            action.Guest = null;
        }

        Fail(vm, action, $"QEMU exited: {guest.LastError}", failback: false);
    }

    private void Fail(int vm, VmAction action, string problem, bool failback)
    {
        lock (_lock)
        {
            action.State = DrVmStates.Failed;
            if (failback)
            {
                action.Failback = action.Failback! with { Problem = problem };
            }
            else
            {
                action.Failover = action.Failover! with { Problem = problem };
            }
        }

        _log($"roost dr serve: VM {vm}: {(failback ? "failback" : "failover")} failed: {problem}");
    }

    /// <summary>One VM's actions here: state, the last failover and failback, the guest running and its work.</summary>
    private sealed class VmAction
    {
        public string State { get; set; } = DrVmStates.Protected;

        public DrFailoverStatus? Failover { get; set; }

        public DrFailbackStatus? Failback { get; set; }

        public DrGuest? Guest { get; set; }

        /// <summary>A guest has served from this VM's exported disk: boot that disk again, never a new export.</summary>
        public bool DiskServed { get; set; }

        public Task? Work { get; set; }
    }
}
