using Roost.Bft.Execution;
using Roost.Bft.Services;

namespace Roost.Bft.Tests.Execution;

/// <summary>The images a replica starts from: the service's data as first loaded, or none of it (a new VM).</summary>
public sealed class StateGenesisTests
{
    [Fact]
    public void EmptyFor_HasTheServicesObjectCount_AndTheRootOfEmptyObjects()
    {
        var options = new BftOptions();
        var service = new HashChainService(64, 256);

        var full = StateGenesis.For(service, options);
        var empty = StateGenesis.EmptyFor(service, options);

        Assert.Equal(full.ObjectCount, empty.ObjectCount);
        Assert.Equal(StateGenesis.Empty(full.ObjectCount).Root, empty.Root);
        Assert.NotEqual(full.Root, empty.Root);
    }
}
