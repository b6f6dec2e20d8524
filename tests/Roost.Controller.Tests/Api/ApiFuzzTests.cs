using System.Globalization;
using System.Net;
using System.Text.Json;
using Xunit.Abstractions;

namespace Roost.Controller.Tests.Api;

/// <summary>
/// The seeded fuzz of every controller API body and query (<see cref="ApiFuzzer"/>) against a real <c>roost serve</c>:
/// no answer is a 5xx, every error is an RFC 7807 problem (Kestrel's own empty 400/413/414/431 for malformed HTTP aside), no answer or log line holds
/// a stack trace, peak memory stays bounded, and afterwards every list the API serves is whole, valid JSON. The suite
/// runs a sample; <c>ROOST_FUZZ_CASES=10000</c> (per endpoint) and <c>ROOST_FUZZ_SEED</c> give the documented run
/// (docs/experiments/security-faults.md).
/// </summary>
public sealed class ApiFuzzTests(ITestOutputHelper output)
{
    /// <summary>Peak resident memory the server may reach: far above its working size, far below what unbounded reading would take.</summary>
    private const long MaxPeakRssKiB = 1024 * 1024;

    [Fact]
    public async Task EveryEndpoint_AnswersHostileInput_WithoutA5xxOrAStackTrace_InBoundedMemory()
    {
        var cases = Env("ROOST_FUZZ_CASES", 60);
        var seed = Env("ROOST_FUZZ_SEED", 1);
        using var data = new TempDirectory();
        using var serve = await ServeProcess.StartAsync(data.Path, "--hosts", "6", "--vms", "12", "--interval", "3600");
        var token = File.ReadAllText(Path.Combine(data.Path, "token")).Trim();
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 4 };
        using var http = new HttpClient(handler) { BaseAddress = serve.Address, Timeout = TimeSpan.FromSeconds(60) };
        var lines = new List<string>();

        foreach (var endpoint in ApiFuzzer.Endpoints)
        {
            var random = new Random(HashCode.Combine(seed, endpoint.Name.Length, endpoint.Name[0], endpoint.Name[^1]));
            var generated = Enumerable.Range(0, cases).Select(i => (Index: i, Case: ApiFuzzer.Generate(endpoint, random))).ToList();
            var statuses = new int[600];
            var failures = new List<string>();
            await Parallel.ForEachAsync(generated, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (item, cancellationToken) =>
            {
                using var request = item.Case.ToRequest(token);
                string body;
                int status;
                string? problem;
                try
                {
                    using var response = await http.SendAsync(request, cancellationToken);
                    body = await response.Content.ReadAsStringAsync(cancellationToken);
                    status = (int)response.StatusCode;
                    problem = Check(response, body);
                }
                catch (HttpRequestException e)
                {
                    (body, status, problem) = (e.Message, 0, "no answer (connection dropped)");
                }

                Interlocked.Increment(ref statuses[status]);
                if (problem is not null)
                {
                    lock (failures)
                    {
                        failures.Add($"seed {seed} {endpoint.Name} case {item.Index}: {problem}: {item.Case.Describe()} -> {status} {body[..Math.Min(body.Length, 300)]}");
                    }
                }
            });

            var summary = string.Join(", ", statuses.Select((n, s) => (n, s)).Where(x => x.n > 0).Select(x => $"{x.s}: {x.n}"));
            lines.Add($"{endpoint.Name}: {cases} cases; {summary}");
            Assert.True(failures.Count == 0, string.Join('\n', failures.Take(10)));
        }

        var peak = PeakRssKiB(serve.Id);
        foreach (var list in new[] { "/api/vms", "/api/overview", "/api/hosts", "/api/plans?limit=1000", "/api/events?limit=1000", "/api/migrations?limit=1000", "/api/settings", "/metrics", "/healthz" })
        {
            using var response = await http.GetAsync(list);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{list}: {(int)response.StatusCode} {text}");
            if (list != "/metrics")
            {
                using var parsed = JsonDocument.Parse(text);
            }
        }

        foreach (var line in lines)
        {
            output.WriteLine(line);
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"seed {seed}: {cases * ApiFuzzer.Endpoints.Count} requests; server peak RSS {peak / 1024.0:0.0} MiB"));
        Assert.DoesNotContain("   at ", serve.Log, StringComparison.Ordinal);
        Assert.True(peak < MaxPeakRssKiB, $"server peak RSS {peak} KiB");
    }

    /// <summary>Null when the answer is acceptable, else what is wrong with it.</summary>
    private static string? Check(HttpResponseMessage response, string body)
    {
        var status = (int)response.StatusCode;
        if (status >= 500)
        {
            return "a 5xx";
        }

        if (body.Contains("   at ", StringComparison.Ordinal) || body.Contains("Exception", StringComparison.Ordinal))
        {
            return "a stack trace or exception in the answer";
        }

        // Kestrel refuses a malformed request (400, e.g. a NUL in the path), an over-long request line (414), headers (431)
        // or body (413) itself, with an empty answer, before any middleware runs.
        var kestrel = status is 400 or 413 or 414 or 431 && body.Length == 0;
        if (status >= 400 && !kestrel && response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            return "an error that is not problem+json";
        }

        return null;
    }

    private static long PeakRssKiB(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }

    private static int Env(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;
}
