using System.Globalization;
using Roost.Core.Migration;

namespace Roost.Core.Tests.Migration;

/// <summary>
/// A seeded discrete-event world for one live migration: the source's <see cref="SourceMigration"/> and the
/// destination's <see cref="IncomingMigration"/> driven the way the agents drive them, two QEMUs (the stream, the
/// run states, the incoming side exiting when its stream breaks), the HTTP calls between the agents (dropped,
/// answered late or twice, malformed, hanging until the caller's timeout, refused), the operator's cancel, and
/// crashes: the source's QEMU, the destination's QEMU, the destination agent (restarted after a while, recovering the
/// way <c>HostAgent.RecoverAsync</c> does: a recorded adoption is resumed, an incoming half destroyed).
/// </summary>
/// <remarks>
/// Checked all along: never two running copies; no machine in a waiting phase without its deadline armed; QEMU is only
/// ever given the destination agent's host. Checked at the end: the source machine finished; the VM runs exactly once,
/// where the outcome says, unless a crash destroyed the only whole copy (then the outcome says Lost, and only then);
/// the destination's reservation is held exactly when the VM runs there, and never released twice.
/// </remarks>
internal sealed partial class MigrationWorld
{
    private const string VmId = "vm-7";
    private const string DestinationHost = "10.0.0.2";
    private static readonly TimeSpan _httpTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan _horizon = TimeSpan.FromHours(1);

    private readonly int _seed;
    private readonly Random _random;
    private readonly FaultProfile _faults;
    private readonly PriorityQueue<Action, (long At, long Seq)> _events = new();
    private readonly List<string> _trace = [];
    private readonly List<string> _violations = [];
    private readonly SortedSet<string> _faultsMet = new(StringComparer.Ordinal);
    private readonly MigrationSettings _settings;
    private readonly IncomingSettings _incomingSettings;
    private long _seq;
    private int _maxRunning;
    private bool _crashExcused;

    private MigrationWorld(int seed)
    {
        _seed = seed;
        _random = new Random(seed);
        _faults = FaultProfile.Draw(_random);
        _settings = new MigrationSettings
        {
            AdmitTimeout = TimeSpan.FromSeconds(20),
            StartTimeout = TimeSpan.FromSeconds(10),
            PollInterval = TimeSpan.FromMilliseconds(200),
            StallTimeout = TimeSpan.FromSeconds(5),
            CancelTimeout = TimeSpan.FromSeconds(10),
            ResumeTimeout = TimeSpan.FromSeconds(10),
            ConfirmTimeout = TimeSpan.FromSeconds(20),
            ResolveTimeout = TimeSpan.FromMinutes(10),
            ResolveRetryInterval = TimeSpan.FromSeconds(1),
        };
        _incomingSettings = new IncomingSettings
        {
            LaunchTimeout = TimeSpan.FromSeconds(10),
            StreamTimeout = TimeSpan.FromSeconds(60),
            VerifyTimeout = TimeSpan.FromSeconds(10),
            CommitTimeout = TimeSpan.FromSeconds(5),
            ResumeTimeout = TimeSpan.FromSeconds(10),
            PollInterval = TimeSpan.FromMilliseconds(200),
        };
        Source = new SourceMigration(new SourceMigrationPlan(VmId, $"http://{DestinationHost}:7002/", DestinationHost, _settings));
    }

    public SourceMigration Source { get; }

    public TimeSpan Now { get; private set; }

    /// <summary>Runs one seed to the end.</summary>
    /// <param name="seed">Draws the faults and every delay.</param>
    /// <param name="traceAll">Keep every step (for a replay); a run is deterministic, so a failure is traced by running it again.</param>
    /// <param name="resumeBlindly">A deliberate bug for the checker's own test: resume the source when a confirmation gets no answer, as Roost once did.</param>
    public static RunVerdict Run(int seed, bool traceAll = false, bool resumeBlindly = false)
    {
        var world = new MigrationWorld(seed) { _traceAll = traceAll, _resumeBlindly = resumeBlindly };
        world.ScheduleFaults();
        world.At(TimeSpan.Zero, "begin", () => world.SourceHandle(new SourceInput.Begin()));
        world.Drain();
        return world.Verdict();
    }

    private bool _traceAll;
    private bool _resumeBlindly;

    private void Drain()
    {
        while (_events.TryDequeue(out var action, out var key))
        {
            Now = TimeSpan.FromTicks(key.At);
            if (Now > _horizon)
            {
                break;
            }

            action();
            CheckRunning();
        }
    }

    /// <summary>Schedules <paramref name="action"/> at <paramref name="at"/> (ties keep their scheduling order).</summary>
    private void At(TimeSpan at, string what, Action action)
    {
        _events.Enqueue(() =>
        {
            Note(what);
            action();
        }, (at.Ticks, _seq++));
    }

    private void After(TimeSpan delay, string what, Action action) => At(Now + delay, what, action);

    private TimeSpan Millis(int min, int max) => TimeSpan.FromMilliseconds(_random.Next(min, max + 1));

    private bool Chance(double p) => p > 0 && _random.NextDouble() < p;

    /// <summary>Draws a fault and, when it happens, counts it for the run's summary.</summary>
    private bool Fault(double p, string name)
    {
        var happens = Chance(p);
        if (happens)
        {
            _faultsMet.Add(name);
        }

        return happens;
    }

    private void Note(string what)
    {
        if (_traceAll)
        {
            _trace.Add(string.Create(CultureInfo.InvariantCulture, $"{Now.TotalMilliseconds,9:0} ms  {what}"));
        }
    }

    private void Violation(string what)
    {
        if (!_violations.Contains(what))
        {
            _violations.Add(what);
        }

        Note("VIOLATION " + what);
    }

    private int Running() =>
        (_sourceAlive && _sourceRun == SourceRun.Running ? 1 : 0) + (_incoming is { Alive: true, State: IncomingState.Running } ? 1 : 0);

    private void CheckRunning()
    {
        var running = Running();
        _maxRunning = Math.Max(_maxRunning, running);
        if (running > 1)
        {
            Violation("doubled: the VM runs on the source and the destination at once");
        }
    }

    /// <summary>The crashes and the operator's cancel, at random times within a typical migration's length.</summary>
    private void ScheduleFaults()
    {
        if (Fault(_faults.Cancel, "operator cancel"))
        {
            At(Millis(0, 8000), "operator cancels", () => SourceHandle(new SourceInput.CancelRequested()));
        }

        if (Fault(_faults.SourceCrash, "source QEMU crash"))
        {
            At(Millis(0, 10_000), "source QEMU crashes", CrashSource);
        }

        if (Fault(_faults.DestinationQemuCrash, "destination QEMU crash"))
        {
            At(Millis(0, 10_000), "destination QEMU crashes", () => KillIncoming("crashed"));
        }

        if (Fault(_faults.DestinationAgentCrash, "destination agent crash"))
        {
            At(Millis(0, 10_000), "destination agent crashes", CrashAgent);
        }
    }

    private RunVerdict Verdict()
    {
        if (!Source.IsFinished)
        {
            Violation($"stuck: the source machine is still {Source.Phase} after {_horizon.TotalMinutes:0} min");
        }

        var running = Running();
        var atSource = _sourceAlive && _sourceRun == SourceRun.Running;
        var atDestination = _incoming is { Alive: true, State: IncomingState.Running };
        switch (Source.Outcome)
        {
            case SourceOutcome.Completed when !atDestination && !_crashExcused:
                Violation("lost: the outcome is Completed but the destination does not run the VM");
                break;
            case SourceOutcome.Aborted when !atSource && !_crashExcused:
                Violation("lost: the outcome is Aborted but the source does not run the VM");
                break;
            case SourceOutcome.Lost when !_sourceCrashed:
                Violation("lost: the outcome is Lost though the source's QEMU never crashed");
                break;
            case SourceOutcome.Lost when running > 0:
                Violation("lost: the outcome is Lost but the VM runs");
                break;
            case SourceOutcome.InDoubt:
                Violation("stuck: in doubt, though the destination agent always came back within the resolve timeout");
                break;
            default:
                break;
        }

        if (running == 0 && !_crashExcused && Source.Outcome is not SourceOutcome.Lost)
        {
            Violation("lost: the VM runs nowhere and no crash explains it");
        }

        if (_agentUp && _reserved != atDestination)
        {
            Violation($"reservation: the destination {(_reserved ? "still holds" : "does not hold")} the VM's reservation, and {(atDestination ? "runs" : "does not run")} it");
        }

        if (_salvageExpected && Source.Outcome is not SourceOutcome.Completed && !_crashExcused)
        {
            Violation("lost: the source's QEMU died while the destination held a whole copy nobody had aborted, yet it was not adopted");
        }

        return new RunVerdict(_seed, Source.Outcome, running, _crashExcused, [.. _violations], [.. _trace]) { FaultsMet = [.. _faultsMet] };
    }
}
