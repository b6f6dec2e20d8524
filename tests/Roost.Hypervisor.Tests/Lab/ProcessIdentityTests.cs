using System.Diagnostics;
using Roost.Hypervisor.Lab;

namespace Roost.Hypervisor.Tests.Lab;

public sealed class ProcessIdentityTests
{
    [Fact]
    public void Current_IsAlive()
    {
        Assert.True(ProcessIdentity.Current.IsAlive);
    }

    [Fact]
    public void SamePidWithAnotherStartTime_IsNotAlive()
    {
        var current = ProcessIdentity.Current;

        Assert.False((current with { StartTicks = current.StartTicks + 1 }).IsAlive);
    }

    [Fact]
    public async Task ExitedChild_IsNotAlive()
    {
        using var child = Process.Start(new ProcessStartInfo("sleep", "0.2") { UseShellExecute = false })!;
        var identity = ProcessIdentity.Of(child.Id);

        await child.WaitForExitAsync();

        Assert.NotNull(identity);
        Assert.False(identity.Value.IsAlive);
    }
}
