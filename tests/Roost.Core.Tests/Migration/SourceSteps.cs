using Roost.Core.Migration;

namespace Roost.Core.Tests.Migration;

/// <summary>Drives a <see cref="SourceMigration"/> by hand: answers its requests and fires its timers, keeping what it asked for.</summary>
internal sealed class SourceSteps
{
    public const string Host = "192.0.2.10";

    private readonly Dictionary<TimerKind, long> _timers = [];

    public SourceSteps(MigrationSettings? settings = null)
    {
        Machine = new SourceMigration(new SourceMigrationPlan("vm-1", $"http://{Host}:7002/", Host, settings ?? new MigrationSettings()));
    }

    public SourceMigration Machine { get; }

    /// <summary>The outputs of the last input.</summary>
    public IReadOnlyList<SourceOutput> Last { get; private set; } = [];

    public IReadOnlyList<SourceOutput> Send(SourceInput input)
    {
        Last = Machine.Handle(input);
        foreach (var timer in Last.OfType<SourceOutput.ArmTimer>())
        {
            _timers[timer.Kind] = timer.Generation;
        }

        return Last;
    }

    public T Single<T>()
        where T : SourceOutput => Assert.Single(Last.OfType<T>());

    public IReadOnlyList<SourceOutput> Fire(TimerKind kind) => Send(new SourceInput.TimerFired(kind, _timers[kind]));

    public IReadOnlyList<SourceOutput> Peer(RequestId request, PeerReply reply) => Send(new SourceInput.PeerAnswered(request, reply));

    public IReadOnlyList<SourceOutput> Qemu(RequestId request, QemuReply reply) => Send(new SourceInput.QemuAnswered(request, reply));

    public static StreamProgress Progress(StreamStatus status, long sent = 1000) => new(status, sent, 0, 4096, 1, null, null, status == StreamStatus.Failed ? "broken pipe" : null);

    /// <summary>Takes the machine to <paramref name="phase"/> along the normal path (Cancelling and Recovering by a cancel while streaming).</summary>
    public SourceSteps To(SourcePhase phase)
    {
        Send(new SourceInput.Begin());
        if (phase == SourcePhase.Admitting)
        {
            return this;
        }

        Peer(Single<SourceOutput.RequestAdmission>().Request, new PeerReply.Admitted(4444));
        if (phase == SourcePhase.Starting)
        {
            return this;
        }

        Qemu(Single<SourceOutput.StartStreaming>().Request, new QemuReply.Done());
        if (phase == SourcePhase.Streaming)
        {
            return this;
        }

        if (phase is SourcePhase.Cancelling or SourcePhase.Recovering)
        {
            Send(new SourceInput.CancelRequested());
            if (phase == SourcePhase.Recovering)
            {
                Fire(TimerKind.Poll);
                Qemu(Single<SourceOutput.QueryProgress>().Request, new QemuReply.Progress(Progress(StreamStatus.Cancelled)));
            }

            return this;
        }

        Fire(TimerKind.Poll);
        Qemu(Single<SourceOutput.QueryProgress>().Request, new QemuReply.Progress(Progress(StreamStatus.Completed)));
        if (phase == SourcePhase.Confirming)
        {
            return this;
        }

        Peer(Single<SourceOutput.ConfirmAtDestination>().Request, new PeerReply.Failed("timed out"));
        Assert.Equal(SourcePhase.Resolving, Machine.Phase);
        return this;
    }
}
