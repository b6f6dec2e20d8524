using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace Roost.Controller.Tests.Load;

/// <summary>
/// A bounded closed-loop load generator for the controller's API on loopback: <c>workers</c> clients each send one
/// request at a time until the duration or the request budget runs out, whichever first, while a separate prober
/// calls <c>/healthz</c> every 250 ms (waiting up to 30 s for an answer: how fast it answers is not asserted). The mix is the dashboard's poll, the read API, metrics,
/// an authorized settings write, and unauthorized writes (which must get 401).
/// </summary>
internal static class LoadGenerator
{
    public static async Task<LoadReport> RunAsync(Uri address, string token, int workers, TimeSpan duration, int maxRequests)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = workers };
        using var http = new HttpClient(handler) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
        using var probe = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        var settings = await http.GetFromJsonAsync<Dictionary<string, object>>("/api/settings");
        var latencies = new List<double>[workers];
        var counts = new int[workers, 4];
        var budget = maxRequests;
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource(duration);

        async Task WorkerAsync(int w)
        {
            latencies[w] = [];
            for (var i = 0; !stop.IsCancellationRequested && Interlocked.Decrement(ref budget) >= 0; i++)
            {
                using var request = Request(i + w, token, settings);
                var started = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead);
                    latencies[w].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    counts[w, (int)response.StatusCode switch { < 400 => 0, < 500 => 1, _ => 2 }]++;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    counts[w, 3]++;
                }
            }
        }

        async Task<(int Probes, int Failures, string? First)> ProbeAsync()
        {
            var (probes, failures, first) = (0, 0, (string?)null);
            while (!stop.IsCancellationRequested && Volatile.Read(ref budget) > 0)
            {
                probes++;
                string? failure = null;
                try
                {
                    using var response = await probe.GetAsync("/healthz");
                    failure = response.StatusCode == HttpStatusCode.OK ? null : $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    failure = $"{e.GetType().Name}: {e.Message}";
                }

                if (failure is not null)
                {
                    failures++;
                    first ??= failure;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(250));
            }

            return (probes, failures, first);
        }

        var prober = ProbeAsync();
        await Task.WhenAll(Enumerable.Range(0, workers).Select(WorkerAsync));
        var elapsed = clock.Elapsed;
        await stop.CancelAsync();
        var (healthProbes, healthFailures, firstHealthFailure) = await prober;

        var all = latencies.SelectMany(l => l).Order().ToArray();
        double Percentile(double p) => all.Length == 0 ? 0 : all[Math.Min(all.Length - 1, (int)Math.Ceiling(p * all.Length) - 1)];
        int Sum(int column) => Enumerable.Range(0, workers).Sum(w => counts[w, column]);
        return new LoadReport(elapsed, Sum(0) + Sum(1) + Sum(2) + Sum(3), Sum(0), Sum(1), Sum(2), Sum(3), Percentile(0.5), Percentile(0.99), all.Length == 0 ? 0 : all[^1], healthProbes, healthFailures, firstHealthFailure);
    }

    private static HttpRequestMessage Request(int i, string token, Dictionary<string, object>? settings)
    {
        var message = (i % 10) switch
        {
            0 or 1 or 2 => new HttpRequestMessage(HttpMethod.Get, "/api/overview"),
            3 or 4 => new HttpRequestMessage(HttpMethod.Get, "/api/hosts"),
            5 => new HttpRequestMessage(HttpMethod.Get, "/api/vms"),
            6 => new HttpRequestMessage(HttpMethod.Get, "/api/events?limit=50"),
            7 => new HttpRequestMessage(HttpMethod.Get, "/metrics"),
            8 => new HttpRequestMessage(HttpMethod.Put, "/api/settings") { Content = JsonContent.Create(settings) },
            _ => new HttpRequestMessage(HttpMethod.Post, "/api/token/rotate"),
        };
        if (i % 10 == 8)
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return message;
    }
}
