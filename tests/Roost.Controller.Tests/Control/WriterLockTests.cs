using System.Net;
using Roost.Controller.Store;
using Roost.Controller.Tests.Api;

namespace Roost.Controller.Tests.Control;

/// <summary>The store's writer lock, in one process: a second controller on the store waits; a lock gone stops the steps.</summary>
public sealed class WriterLockTests
{
    [Fact]
    public async Task ASecondControllerOnTheStore_IsAStandby_UntilTheFirstStops()
    {
        await using var first = await ControllerFixture.StartAsync();
        var second = await ControllerApp.StartAsync(ControllerFixture.Options(first.Directory), default, first.Time);
        try
        {
            using var http = new HttpClient { BaseAddress = second.Address };
            Assert.Equal(RoleState.Standby, second.Role.Current);
            using (var refused = await http.GetAsync("/api/vms"))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            }

            await first.Controller.DisposeAsync();
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await second.Role.Activated.WaitAsync(deadline.Token);

            using var served = await http.GetAsync("/api/vms");
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
            Assert.Equal(RoleState.Active, second.Role.Current);
        }
        finally
        {
            await second.DisposeAsync();
        }
    }

    [Fact]
    public async Task ADeletedLockFile_StopsTheNextStep()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        await fixture.StepAsync();

        File.Delete(Path.Combine(fixture.Directory.Path, "roost.db.lock"));

        var e = await Assert.ThrowsAsync<WriterLockLostException>(() => fixture.StepAsync());
        Assert.Contains("roost.db.lock was deleted", e.Message, StringComparison.Ordinal);
    }
}
