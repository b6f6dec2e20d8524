using Roost.Bft.Clients;
using Roost.Bft.Crypto;
using Roost.Bft.Messages;

namespace Roost.Bft.Tests.Clients;

/// <summary>A client's retransmissions: on its timer, and at once when the active executors answer without f+1 agreeing.</summary>
public sealed class ClientTests
{
    private static readonly BftOptions _zz = new() { F = 1, Mode = ExecutionMode.Zz };

    [Fact]
    public void ActiveExecutorsDisagree_RetransmitsToEveryAgreementReplica_OnceBeforeTheTimer()
    {
        var client = new Client(0, _zz, Keyring.ForSeed(1));
        var submitted = client.Handle(new Input.Submit([1, 2, 3]));
        Assert.Single(Requests(submitted));

        var first = client.Handle(Reply(0, [7]));
        var conflict = client.Handle(Reply(1, [8]));
        var again = client.Handle(Reply(1, [9]));

        Assert.Empty(Requests(first));
        Assert.Equal(Enumerable.Range(0, _zz.AgreementReplicas).Select(NodeId.Agreement), Requests(conflict).Select(s => s.To));
        Assert.Contains(conflict, o => o is Output.SetTimer { Kind: TimerKind.Retransmit });
        Assert.Empty(Requests(again));
        Assert.False(client.IsIdle);
    }

    [Fact]
    public void WokenExecutorMatches_Delivers_AndTheNextRequestMayRetransmitEarlyAgain()
    {
        var client = new Client(0, _zz, Keyring.ForSeed(1));
        client.Handle(new Input.Submit([1]));
        client.Handle(Reply(0, [7]));
        client.Handle(Reply(1, [8]));

        var delivered = client.Handle(Reply(2, [8]));

        Assert.Contains(delivered, o => o is Output.Notice { Event: ProtocolEvent.Delivered });
        Assert.True(client.IsIdle);
        client.Handle(new Input.Submit([2]));
        client.Handle(Reply(0, [7], timestamp: 2));
        Assert.Equal(_zz.AgreementReplicas, Requests(client.Handle(Reply(1, [8], timestamp: 2))).Count);
    }

    [Fact]
    public void ActiveExecutorsAgree_NoEarlyRetransmission()
    {
        var client = new Client(0, _zz, Keyring.ForSeed(1));
        client.Handle(new Input.Submit([1]));

        var outputs = client.Handle(Reply(0, [7])).Concat(client.Handle(Reply(1, [7]))).ToList();

        Assert.Empty(Requests(outputs));
        Assert.Contains(outputs, o => o is Output.Notice { Event: ProtocolEvent.Delivered });
    }

    private static Input.Receive Reply(int executor, byte[] result, long timestamp = 1) =>
        new(NodeId.Execution(executor), new Reply(0, timestamp, 0, result));

    private static List<Output.Send> Requests(IEnumerable<Output> outputs) =>
        [.. outputs.OfType<Output.Send>().Where(s => s.Message is RequestMessage)];
}
