using Roost.Bft.Execution;
using Roost.Bft.Messages;
using Roost.Bft.Services;

namespace Roost.Bft.Tests.Execution;

/// <summary>
/// The execution replica's side of the ZZ controller: a controller whose belief went stale must be able to learn the
/// truth (the cause of most liveness failures in the first campaign, docs/experiments/zz.md).
/// </summary>
public sealed class ExecutionControlTests
{
    private static readonly BftOptions _options = new() { F = 1 };

    private static ExecutionReplica Replica(int index)
    {
        var service = new KeyValueService();
        var replica = new ExecutionReplica(index, _options, service, StateGenesis.For(service, _options));
        replica.Handle(new Input.Start());
        return replica;
    }

    private static ExecStatus? StatusTo(IReadOnlyList<Output> outputs, int agreement) =>
        outputs.OfType<Output.Send>().Where(s => s.To == NodeId.Agreement(agreement)).Select(s => s.Message).OfType<ExecStatus>().SingleOrDefault();

    [Fact]
    public void Probe_AnsweredWithStatus_StateUnchanged()
    {
        var sleeper = Replica(2);

        var outputs = sleeper.Handle(new Input.Receive(NodeId.Agreement(3), new Control(ControlKind.Probe, 0)));

        Assert.Equal(new ExecStatus(0, false), StatusTo(outputs, 3));
        Assert.False(sleeper.IsAwake);
        Assert.Equal(0, sleeper.Generation);
    }

    [Fact]
    public void WakeForAnAwakeReplica_AnsweredWithStatus_AfterQuorum()
    {
        var active = Replica(0);

        active.Handle(new Input.Receive(NodeId.Agreement(0), new Control(ControlKind.Wake, 0)));
        var outputs = active.Handle(new Input.Receive(NodeId.Agreement(1), new Control(ControlKind.Wake, 0)));

        Assert.Equal(new ExecStatus(0, true), StatusTo(outputs, 1));
        Assert.Equal(0, active.Generation);
    }

    [Fact]
    public void Sleep_NeedsFPlusOneAndKeepsTheExecutedState()
    {
        var active = Replica(1);

        active.Handle(new Input.Receive(NodeId.Agreement(0), new Control(ControlKind.Sleep, 0)));
        Assert.True(active.IsAwake);
        active.Handle(new Input.Receive(NodeId.Agreement(2), new Control(ControlKind.Sleep, 0)));

        Assert.False(active.IsAwake);
        Assert.Equal(1, active.Generation);
        var stale = active.Handle(new Input.Receive(NodeId.Agreement(1), new Control(ControlKind.Sleep, 0)));
        Assert.Equal(new ExecStatus(1, false), StatusTo(stale, 1));
    }
}
