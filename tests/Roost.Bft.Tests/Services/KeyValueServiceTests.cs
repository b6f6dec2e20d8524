using System.Text;
using Roost.Bft.Execution;
using Roost.Bft.Services;

namespace Roost.Bft.Tests.Services;

public sealed class KeyValueServiceTests
{
    [Fact]
    public void PutAppendGet_BehaveAsAMap()
    {
        var service = new KeyValueService(4);
        var store = new StateStore(Enumerable.Range(0, 4).Select(service.InitialObject).ToArray());
        var key = Encoding.ASCII.GetBytes("key");

        var first = service.Execute(KeyValueOperation.EncodePut(key, [1]), store);
        var appended = service.Execute(KeyValueOperation.EncodeAppend(key, [2]), store);
        var got = service.Execute(KeyValueOperation.EncodeGet(key), store);

        Assert.Equal(KeyValueOperation.Result(false, []), first);
        Assert.Equal(KeyValueOperation.Result(true, [1, 2]), appended);
        Assert.Equal(KeyValueOperation.Result(true, [1, 2]), got);
    }

    [Fact]
    public void Execute_MalformedOperation_ReturnsErrorAndTouchesNothing()
    {
        var service = new KeyValueService(4);
        var touched = new List<int>();

        service.AddTouchedObjects([2, 255, 255, 255, 127], touched);

        Assert.Empty(touched);
        Assert.Equal([0xFF], service.Execute([2, 255, 255, 255, 127], new StateStore(new byte[4][])));
    }

    [Fact]
    public void WebApplication_BidRaisesHighestOnly()
    {
        var service = new WebApplicationService(2);
        var store = new StateStore(Enumerable.Range(0, 2).Select(service.InitialObject).ToArray());

        service.Execute(WebApplicationService.Encode(WebApplicationService.Bid, 1, 7, 100, 10), store);
        service.Execute(WebApplicationService.Encode(WebApplicationService.Bid, 1, 8, 50, 10), store);

        Assert.Equal(100, BitConverter.ToInt64(store.Get(1)));
        Assert.Equal(7, BitConverter.ToInt32(store.Get(1), 8));
    }
}
