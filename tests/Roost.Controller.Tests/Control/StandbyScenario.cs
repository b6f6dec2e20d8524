using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Roost.Controller.Tests.Control;

/// <summary>
/// Two <c>roost serve</c> processes on one store: the first is active, the second a hot standby. The active one is
/// SIGKILLed (with an operator migration under way) and the standby takes over; with <c>runs</c> &gt; 1 a fresh
/// standby is started each time and the chain goes on. Returns the takeover times: from the kill to the new active's
/// <c>/healthz</c> answering 200. Checks, at each step and at the end, that no two controllers ever acted: the
/// standby answers 503 and never initialized before the kill, every action was started at most once, and the store
/// holds the inventory once.
/// </summary>
internal static partial class StandbyScenario
{
    public static async Task<IReadOnlyList<TimeSpan>> RunAsync(string data, string[] store, int runs, Action<string> log)
    {
        string[] arguments = ["--hosts", "6", "--vms", "12", "--interval", "0.2", .. store];
        var active = await ServeProcess.StartAsync(data, arguments);
        ServeProcess? standby = await ServeProcess.StartAsync(data, standby: true, arguments);
        var takeovers = new List<TimeSpan>();
        try
        {
            using (var api = active.Client())
            {
                await AssertStandbyAsync(standby);
                var vm = (await api.GetFromJsonAsync<JsonElement>("/api/vms/0")).GetProperty("host").GetInt32();
                using var migrate = await api.PostAsJsonAsync("/api/vms/0/migrate", new { host = vm == 5 ? 4 : 5 });
                Assert.Equal(HttpStatusCode.Accepted, migrate.StatusCode);
            }

            for (var run = 1; run <= runs && standby is { } next; run++)
            {
                var killedAt = Stopwatch.GetTimestamp();
                await active.KillAsync();
                await Poll.UntilAsync(
                    async () => await HealthAsync(next) == HttpStatusCode.OK ? "active" : null,
                    TimeSpan.FromSeconds(60),
                    () => Task.FromResult($"the standby did not take over: {next.Log}"));
                var takeover = Stopwatch.GetElapsedTime(killedAt);
                takeovers.Add(takeover);
                log($"run {run}: takeover {takeover.TotalMilliseconds:0} ms (kill to /healthz 200)");
                active.Dispose();
                active = next;
                standby = run < runs ? await ServeProcess.StartAsync(data, standby: true, arguments) : null;
                if (standby is not null)
                {
                    await AssertStandbyAsync(standby);
                }
            }

            await AssertActedOnceAsync(active, runs);
            return takeovers;
        }
        finally
        {
            active.Dispose();
            standby?.Dispose();
        }
    }

    /// <summary>A standby answers 503 everywhere but its page, writes nothing, and has not initialized.</summary>
    private static async Task AssertStandbyAsync(ServeProcess standby)
    {
        using var http = new HttpClient { BaseAddress = standby.Address };
        using var health = await http.GetAsync("/healthz");
        var body = await health.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Equal("standby", body.GetProperty("status").GetString());
        using var vms = await http.GetAsync("/api/vms");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, vms.StatusCode);
        Assert.Equal("Standby", (await vms.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
        using var write = await http.PostAsJsonAsync("/api/vms/0/stop", new { });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, write.StatusCode);
        Assert.DoesNotContain("ControlLoop", standby.Log, StringComparison.Ordinal);
    }

    /// <summary>
    /// One first start and one resume per takeover; each action's migration started at most once; every action
    /// settles; twelve VMs, each once.
    /// </summary>
    private static async Task AssertActedOnceAsync(ServeProcess active, int runs)
    {
        using var api = active.Client();
        await Poll.UntilAsync(
            async () => (await api.GetFromJsonAsync<JsonElement>("/api/plans?limit=1000")).EnumerateArray()
                .All(p => p.GetProperty("status").GetString() is not ("approved" or "executing")
                    && p.GetProperty("actions").EnumerateArray().All(a => a.GetProperty("status").GetString() != "inFlight")) ? "settled" : null,
            TimeSpan.FromSeconds(60),
            async () => $"plans do not settle: {await api.GetStringAsync("/api/plans?limit=1000")}");
        var events = (await api.GetFromJsonAsync<JsonElement>("/api/events?limit=1000")).EnumerateArray()
            .Select(e => e.GetProperty("message").GetString() ?? "").ToList();
        Assert.Single(events, e => e.StartsWith("first start:", StringComparison.Ordinal));
        Assert.Equal(runs, events.Count(e => e.StartsWith("resumed from", StringComparison.Ordinal)));
        var started = events.Select(e => ActionStarted().Match(e)).Where(m => m.Success).Select(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(started.Count, started.Distinct().Count());
        var vms = (await api.GetFromJsonAsync<JsonElement>("/api/vms")).EnumerateArray().Select(v => v.GetProperty("id").GetInt32()).ToList();
        Assert.Equal(Enumerable.Range(0, 12), vms.Order());
    }

    private static async Task<HttpStatusCode?> HealthAsync(ServeProcess serve)
    {
        using var http = new HttpClient { BaseAddress = serve.Address, Timeout = TimeSpan.FromSeconds(2) };
        try
        {
            using var response = await http.GetAsync("/healthz");
            return response.StatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    [GeneratedRegex(@" migrating host-\d+ -> host-\d+ \(action (\d+)\)$")]
    private static partial Regex ActionStarted();
}
