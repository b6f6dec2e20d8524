using System.Text;
using Roost.Bft.Messages;
using Roost.Bft.Services;
using Roost.Bft.Simulation;

namespace Roost.Bft.Tests.Simulation;

public sealed class HistoryCheckerTests
{
    private static readonly byte[] _key = Encoding.ASCII.GetBytes("k");

    [Fact]
    public void Check_ResultsOfCommitOrder_Passes()
    {
        var (order, history) = PutThenGet(getResult: KeyValueOperation.Result(true, Encoding.ASCII.GetBytes("v")));

        Assert.Empty(HistoryChecker.Check(order, history));
    }

    [Fact]
    public void Check_WrongResult_IsReported()
    {
        var (order, history) = PutThenGet(getResult: KeyValueOperation.Result(false, []));

        Assert.Contains(HistoryChecker.Check(order, history), v => v.Contains("c1#1", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_OrderAgainstRealTime_IsReported()
    {
        // c0's put completed at 10 before c1's get was issued at 20, yet the get is ordered first.
        var put = KeyValueOperation.EncodePut(_key, Encoding.ASCII.GetBytes("v"));
        var get = KeyValueOperation.EncodeGet(_key);
        var order = new[] { new Batch([Request(1, 1, get)]), new Batch([Request(0, 1, put)]) };
        var history = new[]
        {
            new ClientOperation(0, 1, put, 0) { CompletedAt = 10, Result = KeyValueOperation.Result(false, []) },
            new ClientOperation(1, 1, get, 20) { CompletedAt = 30, Result = KeyValueOperation.Result(false, []) },
        };

        Assert.Contains(HistoryChecker.Check(order, history), v => v.Contains("before", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_DuplicateInOrder_ExecutedOnce()
    {
        var append = KeyValueOperation.EncodeAppend(_key, Encoding.ASCII.GetBytes("x"));
        var order = new[] { new Batch([Request(0, 1, append)]), new Batch([Request(0, 1, append)]) };
        var history = new[] { new ClientOperation(0, 1, append, 0) { CompletedAt = 5, Result = KeyValueOperation.Result(true, Encoding.ASCII.GetBytes("x")) } };

        Assert.Empty(HistoryChecker.Check(order, history));
    }

    private static (Batch[] Order, ClientOperation[] History) PutThenGet(byte[] getResult)
    {
        var put = KeyValueOperation.EncodePut(_key, Encoding.ASCII.GetBytes("v"));
        var get = KeyValueOperation.EncodeGet(_key);
        var order = new[] { new Batch([Request(0, 1, put)]), new Batch([Request(1, 1, get)]) };
        var history = new[]
        {
            new ClientOperation(0, 1, put, 0) { CompletedAt = 10, Result = KeyValueOperation.Result(false, []) },
            new ClientOperation(1, 1, get, 20) { CompletedAt = 30, Result = getResult },
        };
        return (order, history);
    }

    private static ClientRequest Request(int client, long timestamp, byte[] operation) => new(client, timestamp, operation, 0, []);
}
