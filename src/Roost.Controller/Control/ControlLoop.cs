using System.Globalization;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Roost.Controller.Drivers;
using Roost.Controller.Store;
using Roost.Core.Model;
using Roost.Core.Monitoring;

namespace Roost.Controller.Control;

/// <summary>
/// The controller's one owner of mutable state. Every step: observe the driver, load one snapshot of the store
/// (<see cref="LoadAsync"/>), let the pure <see cref="ControlPolicy.Decide"/> decide (settle actions in flight, start and
/// stop VMs the API asked for, execute approved plans, evacuate maintenance hosts, plan with Sandpiper), and execute its
/// commands. Everything decided or done is written to the store before the driver is asked, so a restart resumes from
/// the store: acknowledged requests are rows, an action in flight is reconciled with the driver's observation instead
/// of being repeated.
/// </summary>
/// <remarks>
/// Not thread-safe by design: <see cref="StepAsync"/> runs on one caller at a time (the background loop, or a test
/// driving steps with the automatic interval off). API handlers never touch this object's state; they write the store,
/// call <see cref="Nudge"/> and read <see cref="LiveState"/>.
/// </remarks>
public sealed partial class ControlLoop : BackgroundService
{
    private const string ClockKey = "driver-clock-ms";
    private const int HistoryLength = 600;

    private readonly IControllerStore _store;
    private readonly IHostDriver _driver;
    private readonly TimeProvider _time;
    private readonly LiveState _live;
    private readonly ControlLoopOptions _options;
    private readonly ILogger<ControlLoop> _logger;
    private readonly ControllerRole _role;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly Channel<bool> _nudges = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly ClusterMonitor _monitor = new(windowLength: 12);
    private readonly Queue<TickSummary> _history = new();
    private readonly Dictionary<HostId, string> _hostProblems = [];
    private IReadOnlySet<HostId> _wasHot = new HashSet<HostId>();
    private Dictionary<HostId, string> _hostNames = [];
    private string? _fingerprintProblem;
    private Dictionary<VmId, string> _vmNames = [];
    private IReadOnlySet<HostId> _wasUnresolved = new HashSet<HostId>();
    private DateTimeOffset _lastSampleAt = DateTimeOffset.MinValue;
    private DateTimeOffset _lastPruneAt = DateTimeOffset.MinValue;
    private LoopCounters _counters = new(0, 0, 0, 0, 0);
    private int _migrationsThisStep;
    private bool _initialized;
    private TimeSpan _clock;

    public ControlLoop(
        IControllerStore store, IHostDriver driver, TimeProvider time, LiveState live, ControlLoopOptions options, ControllerRole role, IHostApplicationLifetime lifetime, ILogger<ControlLoop> logger)
    {
        ArgumentNullException.ThrowIfNull(role);
        ArgumentNullException.ThrowIfNull(lifetime);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(driver);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(live);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        _store = store;
        _driver = driver;
        _time = time;
        _live = live;
        _options = options;
        _logger = logger;
        _role = role;
        _lifetime = lifetime;
    }

    /// <summary>Asks for a step soon (an operator changed something); never blocks, coalesces.</summary>
    public void Nudge() => _nudges.Writer.TryWrite(true);

    /// <summary>
    /// Migrates the schema, then seeds an empty store from the driver (in one transaction: all of the inventory or none)
    /// or hands the driver the stored inventory. Called by the store's writer, before the API serves requests.
    /// </summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await _store.MigrateAsync(cancellationToken).ConfigureAwait(false);
        var hosts = await _store.GetHostsAsync(cancellationToken).ConfigureAwait(false);
        if (hosts.Count == 0)
        {
            var inventory = await _driver.DiscoverAsync(cancellationToken).ConfigureAwait(false);
            var message = $"first start: {inventory.Hosts.Count} hosts and {inventory.Vms.Count} VMs from {_driver.Description}";
            LogSeeding(_logger, inventory.Hosts.Count, inventory.Vms.Count, _store.Description);
            if (!await _store.SeedAsync(inventory.Hosts, inventory.Vms, ControllerSettings.Default, _time.GetUtcNow(), message, cancellationToken).ConfigureAwait(false))
            {
                throw new InvalidOperationException($"{_store.Description} gained hosts while this controller held its writer lock");
            }

            LogEvent(_logger, EventSeverity.Info, "inventory", NewEvent.Controller, message);
        }
        else
        {
            if (await _store.GetSettingsAsync(cancellationToken).ConfigureAwait(false) is null)
            {
                await _store.SaveSettingsAsync(ControllerSettings.Default, cancellationToken).ConfigureAwait(false);
            }

            var clockText = await _store.GetValueAsync(ClockKey, cancellationToken).ConfigureAwait(false);
            var clock = clockText is not null && long.TryParse(clockText, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) ? TimeSpan.FromMilliseconds(ms) : TimeSpan.Zero;
            var vms = await _store.GetVmsAsync(cancellationToken).ConfigureAwait(false);
            await _driver.AdoptAsync(hosts, vms, clock, cancellationToken).ConfigureAwait(false);
            var inFlight = (await ActivePlansAsync(cancellationToken).ConfigureAwait(false)).Sum(p => p.Actions.Count(a => a.Status == ActionStatus.InFlight));
            await EventAsync(NewEvent.Info("restart", NewEvent.Controller, $"resumed from {_store.Description}: {hosts.Count} hosts, {vms.Count} VMs, {inFlight} action(s) in flight to reconcile"), cancellationToken).ConfigureAwait(false);
        }

        _initialized = true;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_options.Interval is not { } interval)
        {
            return;
        }

        try
        {
            // A standby steps nothing until it holds the store's writer lock and has taken over.
            await _role.Activated.WaitAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        _live.Running(_time.GetUtcNow());
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await StepAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (WriterLockLostException e)
            {
                // Another controller may already be the writer: stop acting at once and let the process end.
                LogLockLost(_logger, e.Message);
                _role.Stop($"lost the writer lock: {e.Message}");
                _lifetime.StopApplication();
                return;
            }
#pragma warning disable CA1031 // A failed step is logged and retried next interval; the service keeps serving and /healthz says degraded.
            catch (Exception e)
#pragma warning restore CA1031
            {
                LogStepFailed(_logger, Api.StoreFailureHandler.OneLine(e));
            }

            using var wait = new CancellationTokenSource(interval, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(wait.Token, stoppingToken);
            try
            {
                await _nudges.Reader.ReadAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                // The interval passed without a nudge.
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// One control step (see the class summary), only while this controller holds the store's writer lock. Its outcome
    /// goes to <see cref="LiveState.Health"/>: a failure (one line) until a step succeeds again.
    /// </summary>
    public async Task StepAsync(CancellationToken cancellationToken)
    {
        if (!_initialized || _role.Writer is not { } writer)
        {
            throw new InvalidOperationException("InitializeAsync must complete, under the store's writer lock, before the first step.");
        }

        try
        {
            await writer.EnsureHeldAsync(cancellationToken).ConfigureAwait(false);
            await StepCoreAsync(cancellationToken).ConfigureAwait(false);
            _live.StepSucceeded(_time.GetUtcNow());
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _live.StepFailed(_time.GetUtcNow(), Api.StoreFailureHandler.OneLine(e));
            throw;
        }
    }

    private async Task StepCoreAsync(CancellationToken cancellationToken)
    {
        _migrationsThisStep = 0;
        var observation = await _driver.ObserveAsync(cancellationToken).ConfigureAwait(false);
        _clock = observation.Clock;
        foreach (var host in observation.Hosts)
        {
            _monitor.RecordHost(host.Host, new UsageSample(host.Usage));
        }

        foreach (var vm in observation.Vms)
        {
            _monitor.RecordVm(vm.Vm, vm.Sample);
        }

        var (settings, snapshot) = await LoadAsync(observation, cancellationToken).ConfigureAwait(false);

        // Guest RAM crosses the agents' API for fingerprints only while sharing placement uses them (from the next observation).
        _driver.CollectFingerprints = settings.Placement == PlacementPolicy.Sharing;
        if (observation.FingerprintProblem is { } fingerprintProblem && fingerprintProblem != _fingerprintProblem)
        {
            LogFingerprintProblem(_logger, fingerprintProblem);
        }

        _fingerprintProblem = observation.FingerprintProblem;
        _hostNames = snapshot.Hosts.ToDictionary(h => h.Id, h => h.Name);
        _vmNames = snapshot.Vms.ToDictionary(v => v.Id, v => v.Name);
        await ReportHostProblemsAsync(observation, cancellationToken).ConfigureAwait(false);
        var decision = ControlPolicy.Decide(snapshot, settings, _time.GetUtcNow(), _options.PendingPlanLifetime);
        await ExecuteAsync(decision.Commands, observation.Clock, cancellationToken).ConfigureAwait(false);
        _wasHot = decision.Hot;
        _wasUnresolved = decision.Unresolved;
        await RecordAsync(observation, cancellationToken).ConfigureAwait(false);
        Publish(settings, snapshot.Hosts, observation, decision.Hot);
    }

    /// <summary>
    /// The store as one step needs it, in six reads: settings, hosts, VMs, and the executing, approved and pending plans.
    /// </summary>
    private async Task<(ControllerSettings Settings, ControlSnapshot Snapshot)> LoadAsync(ClusterObservation observation, CancellationToken cancellationToken)
    {
        var settings = await _store.GetSettingsAsync(cancellationToken).ConfigureAwait(false) ?? ControllerSettings.Default;
        var hosts = await _store.GetHostsAsync(cancellationToken).ConfigureAwait(false);
        var vms = await _store.GetVmsAsync(cancellationToken).ConfigureAwait(false);
        var active = await ActivePlansAsync(cancellationToken).ConfigureAwait(false);
        var pending = await _store.GetPlansAsync(PlanStatus.Pending, 100, cancellationToken).ConfigureAwait(false);
        return (settings, new ControlSnapshot(hosts, vms, [.. active, .. pending], observation, _monitor, _driver.CanResize, _wasHot, _wasUnresolved));
    }

    /// <summary>One event when a host stops answering and one when it is back, not one per step.</summary>
    private async Task ReportHostProblemsAsync(ClusterObservation observation, CancellationToken cancellationToken)
    {
        foreach (var host in observation.Hosts)
        {
            var had = _hostProblems.TryGetValue(host.Host, out var before);
            if (host.Problem is { } problem && (!had || before != problem))
            {
                _hostProblems[host.Host] = problem;
                await EventAsync(NewEvent.Error("host", HostEntity(host.Host), $"{host.Host} cannot be observed: {problem}"), cancellationToken).ConfigureAwait(false);
            }
            else if (host.Problem is null && had)
            {
                _hostProblems.Remove(host.Host);
                await EventAsync(NewEvent.Info("host", HostEntity(host.Host), $"{host.Host} answers again"), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<IReadOnlyList<StoredPlan>> ActivePlansAsync(CancellationToken cancellationToken)
    {
        var executing = await _store.GetPlansAsync(PlanStatus.Executing, 1000, cancellationToken).ConfigureAwait(false);
        var approved = await _store.GetPlansAsync(PlanStatus.Approved, 1000, cancellationToken).ConfigureAwait(false);
        return [.. executing.Concat(approved).OrderBy(p => p.Id)];
    }

    private async Task RecordAsync(ClusterObservation observation, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        await _store.SetValueAsync(ClockKey, ((long)observation.Clock.TotalMilliseconds).ToString(CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
        if (now - _lastSampleAt >= _options.SampleEvery)
        {
            _lastSampleAt = now;
            await _store.AppendSamplesAsync([.. observation.Hosts.Where(h => StoredValues.IsStorable(h.Usage)).Select(h => new HostSample(h.Host, now, h.Usage))], cancellationToken).ConfigureAwait(false);
        }

        if (now - _lastPruneAt >= TimeSpan.FromHours(1))
        {
            _lastPruneAt = now;
            await _store.PruneSamplesAsync(now - _options.SampleRetention, cancellationToken).ConfigureAwait(false);
        }
    }

    private void Publish(ControllerSettings settings, IReadOnlyList<StoredHost> hosts, ClusterObservation observation, IReadOnlySet<HostId> hot)
    {
        var now = _time.GetUtcNow();
        var byHost = observation.Hosts.ToDictionary(h => h.Host);
        var vmCount = observation.Vms.GroupBy(v => v.Host).ToDictionary(g => g.Key, g => g.Count());
        var live = hosts.Select(h =>
        {
            var seen = byHost.GetValueOrDefault(h.Id);
            return new HostLive(h.Id, h.Name, h.Capacity, seen?.Usage ?? ResourceVector.Zero, seen?.PowerWatts ?? 0, hot.Contains(h.Id), h.Maintenance, vmCount.GetValueOrDefault(h.Id), seen?.Problem);
        }).ToArray();
        var active = live.Where(h => h.VmCount > 0).ToArray();
        _history.Enqueue(new TickSummary(
            now,
            observation.Clock,
            active.Length == 0 ? 0 : active.Average(h => h.Usage.CpuCores / h.Capacity.CpuCores),
            hot.Count,
            active.Length,
            live.Sum(h => h.PowerWatts),
            _migrationsThisStep));
        while (_history.Count > HistoryLength)
        {
            _history.Dequeue();
        }

        _counters = _counters with { Steps = _counters.Steps + 1 };
        var prints = observation.Fingerprints.Vms;
        var vms = observation.Vms.Select(v => new VmLive(v.Vm, v.Host, v.Allocation, v.Sample.Usage, v.MigratingTo, prints.TryGetValue(v.Vm, out var print) ? print.EstimatedDistinctPages : null)).ToArray();
        _live.Publish(new LiveView(now, observation.Clock, _driver.Description, settings, live, vms, [.. _history], _counters));
    }

    private async Task EventAsync(NewEvent e, CancellationToken cancellationToken)
    {
        LogEvent(_logger, e.Severity, e.Kind, e.Entity, e.Message);
        await _store.AddEventAsync(_time.GetUtcNow(), e, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A host as events name it: <c>host/NAME</c> by the name the store knows (its id before the first step).</summary>
    private string HostEntity(HostId host) => NewEvent.Host(_hostNames.GetValueOrDefault(host, host.ToString()));

    private string VmEntity(VmId vm) => NewEvent.Vm(_vmNames.GetValueOrDefault(vm, vm.ToString()));

    [LoggerMessage(Level = LogLevel.Error, Message = "control step failed, retrying next interval: {Reason}")]
    private static partial void LogStepFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "first start: storing {Hosts} hosts and {Vms} VMs in {Store}, in one transaction")]
    private static partial void LogSeeding(ILogger logger, int hosts, int vms, string store);

    [LoggerMessage(Level = LogLevel.Warning, Message = "guest fingerprint not read, retried after the refresh interval: {Problem}")]
    private static partial void LogFingerprintProblem(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Critical, Message = "stopping: {Reason}")]
    private static partial void LogLockLost(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Severity} {Kind} {Entity}: {Message}")]
    private static partial void LogEvent(ILogger logger, EventSeverity severity, string kind, string entity, string message);
}
