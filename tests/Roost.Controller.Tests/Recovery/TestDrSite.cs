using System.Collections.Concurrent;
using System.Net;
using Roost.Core.Recovery;
using Roost.Hypervisor.Recovery;

namespace Roost.Controller.Tests.Recovery;

/// <summary>
/// A cloud site's status listener for the controller's own tests: the real <see cref="DrStatusServer"/> (its token
/// check, its answers) on 127.0.0.1 port 0, with a status the test sets and an <see cref="IDrSiteActions"/> that records
/// each call and answers what the test chose. The real site's actions (fence, export, boot) are the lead's e2e test.
/// </summary>
internal sealed class TestDrSite : IDrSiteActions, IAsyncDisposable
{
    private DrStatusServer? _server;

    private TestDrSite(string token)
    {
        Token = token;
    }

    public string Token { get; }

    public string Address => $"127.0.0.1:{(_server ?? throw new ObjectDisposedException(nameof(TestDrSite))).BaseAddress.Port}";

    /// <summary>What <c>GET /status</c> answers.</summary>
    public DrSiteStatus Status { get; set; } = Sample();

    /// <summary>What the next actions answer, in order; when empty, <see cref="DrActionResult.Started"/>.</summary>
    public ConcurrentQueue<DrActionResult> Answers { get; } = new();

    public ConcurrentQueue<string> Calls { get; } = new();

    public static async Task<TestDrSite> StartAsync(string token)
    {
        var site = new TestDrSite(token);
        site._server = await DrStatusServer.StartAsync("127.0.0.1:0", token, () => site.Status, default, site);
        return site;
    }

    public static DrSiteStatus Sample(string state = DrVmStates.Protected) => new(
        DateTimeOffset.Parse("2026-12-07T16:00:10Z", System.Globalization.CultureInfo.InvariantCulture),
        1, 60, 12, 5,
        [
            new DrVmStatus(3, 64 << 20, 1200, 1210, 10, 41, 1190, DateTimeOffset.Parse("2026-12-07T16:00:09Z", System.Globalization.CultureInfo.InvariantCulture), true,
                DateTimeOffset.Parse("2026-12-07T16:00:08Z", System.Globalization.CultureInfo.InvariantCulture), false, "sync", null, 0.5, state,
                new DrFailoverStatus(DateTimeOffset.Parse("2026-12-07T15:00:00Z", System.Globalization.CultureInfo.InvariantCulture), "command", 900, "10.77.1.5/24", null, 4.25, 6.5, null),
                new DrFailbackStatus(DateTimeOffset.Parse("2026-12-07T15:30:00Z", System.Globalization.CultureInfo.InvariantCulture), "10.0.0.5:7420", null, 3 << 20, 64 << 20, null)),
            new DrVmStatus(4, 32 << 20, 0, null, null, null, null, null, false, null, false),
        ]);

    public DrActionResult Failover(int vm, string trigger)
    {
        Calls.Enqueue($"failover {vm} {trigger}");
        return Answers.TryDequeue(out var answer) ? answer : new DrActionResult.Started();
    }

    public DrActionResult Failback(int vm, IPEndPoint primary)
    {
        Calls.Enqueue($"failback {vm} {primary}");
        return Answers.TryDequeue(out var answer) ? answer : new DrActionResult.Started();
    }

    /// <summary>Stops listening (the site is down); later requests to its port are refused.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_server is { } server)
        {
            _server = null;
            await server.DisposeAsync();
        }
    }
}
