using Roost.Hypervisor.Agent;

namespace Roost.Hypervisor.Tests.Agent;

public sealed class AgentCapacityTests
{
    [Fact]
    public void TryParse_ReadsCpusAndMemory_InAnyOrder()
    {
        Assert.True(AgentCapacity.TryParse("memory=2048, cpus=4", out var capacity, out _));
        Assert.Equal(new AgentCapacity(4, 2048), capacity);
    }

    [Theory]
    [InlineData("cpus=4", "needs both cpus=N and memory=MiB")]
    [InlineData("cpus=4,memory=lots", "'memory=lots' is not name=positive-number")]
    [InlineData("cpus=4,memory=512,disk=10", "unknown resource 'disk'")]
    [InlineData("cpus=0,memory=512", "'cpus=0' is not name=positive-number")]
    public void TryParse_BadSpec_SaysWhichPart(string text, string expected)
    {
        Assert.False(AgentCapacity.TryParse(text, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }
}
