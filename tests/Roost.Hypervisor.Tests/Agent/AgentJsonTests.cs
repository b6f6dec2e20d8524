using System.Text.Json;
using Roost.Hypervisor.Agent;
using Roost.Hypervisor.Qemu;

namespace Roost.Hypervisor.Tests.Agent;

/// <summary>The agent's wire spells states as the controller's API does (camelCase), and still reads what older agents wrote.</summary>
public sealed class AgentJsonTests
{
    [Theory]
    [InlineData(VmState.Booting, "booting")]
    [InlineData(VmState.Running, "running")]
    [InlineData(VmState.Paused, "paused")]
    [InlineData(VmState.MigratingOut, "migratingOut")]
    [InlineData(VmState.Incoming, "incoming")]
    public void VmState_IsWrittenCamelCase_AndReadInAnyCase(VmState state, string name)
    {
        Assert.Equal($"\"{name}\"", JsonSerializer.Serialize(state, AgentJson.Options));
        Assert.Equal(state, JsonSerializer.Deserialize<VmState>($"\"{state}\"", AgentJson.Options));
        Assert.Equal(state, JsonSerializer.Deserialize<VmState>($"\"{name}\"", AgentJson.Options));
    }

    [Fact]
    public void OtherEnums_AreSpelledAsTheCliTakesThem()
    {
        Assert.Equal("\"tcg\"", JsonSerializer.Serialize(Accelerator.Tcg, AgentJson.Options));
        Assert.Equal("\"relay\"", JsonSerializer.Serialize(MigrationTransportKind.Relay, AgentJson.Options));
    }

    [Fact]
    public void ANumberForAState_IsRefused() =>
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<VmState>("1", AgentJson.Options));
}
