using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Roost.Hypervisor.Agent;
using Xunit.Abstractions;

namespace Roost.Hypervisor.Tests.Agent;

/// <summary>
/// Seeded malformed requests against every agent endpoint that takes a body or a query (<see cref="AgentBodyFuzzer"/>,
/// one endpoint group at a time): every answer is a success or an RFC 7807 problem below 500, on one line, with no
/// stack trace. The suite runs <see cref="SuiteCasesPerGroup"/> cases per group against an in-process agent; the
/// experiment runs 10,000 per group against a real <c>roost agent</c> process and measures its memory
/// (docs/experiments/agent-api-fuzz.sh):
/// <c>ROOST_FUZZ_CASES=10000 [ROOST_FUZZ_AGENT=URL ROOST_FUZZ_TOKEN=T] dotnet test tests/Roost.Hypervisor.Tests -c Release --filter FullyQualifiedName~AgentApiFuzzTests</c>.
/// The agent's capacity admits nothing, so a body that happens to be valid never starts a QEMU.
/// </summary>
public sealed class AgentApiFuzzTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int SuiteCasesPerGroup = 20;

    private AgentServer? _server;

    public async Task InitializeAsync()
    {
        if (Environment.GetEnvironmentVariable("ROOST_FUZZ_AGENT") is null)
        {
            _server = await QemulessAgent.StartAsync("fuzz", new AgentCapacity(1, 1));
        }
    }

    public Task DisposeAsync() => QemulessAgent.StopAsync(_server);

    [Fact]
    public async Task SeededMalformedBodies_AreProblemsBelow500_NeverStackTraces()
    {
        var perGroup = Setting("ROOST_FUZZ_CASES") ?? SuiteCasesPerGroup;
        var seed = Setting("ROOST_FUZZ_SEED") ?? 1;
        var target = Environment.GetEnvironmentVariable("ROOST_FUZZ_AGENT") is { } url ? new Uri(url) : _server?.BaseAddress ?? throw new InvalidOperationException("no agent");
        var token = Environment.GetEnvironmentVariable("ROOST_FUZZ_TOKEN") ?? QemuFixture.Token;
        using var http = new HttpClient { BaseAddress = target, Timeout = TimeSpan.FromSeconds(30) };
        var fuzzer = new AgentBodyFuzzer(new Random(seed));
        var failures = new List<string>();
        var started = TimeProvider.System.GetTimestamp();
        var total = 0;

        for (var group = 0; group < AgentBodyFuzzer.Groups.Count; group++)
        {
            var statuses = new SortedDictionary<int, int>();
            var kestrel = 0;
            for (var i = 0; i < perGroup; i++, total++)
            {
                var (method, path, contentType, body) = fuzzer.Next(group);
                var (status, wrong) = await SendAsync(http, method, path, contentType, body, total % 7 == 3 ? "v1.vm-f.1.128.1.0123456789abcdef0123456789abcdef.00" : token);
                statuses[status] = statuses.GetValueOrDefault(status) + 1;
                kestrel += wrong == Kestrel ? 1 : 0;
                if (wrong is not null && wrong != Kestrel && failures.Count < 10)
                {
                    failures.Add($"{AgentBodyFuzzer.Groups[group]} case {i} (seed {seed}): {wrong}: {AgentBodyFuzzer.Describe(method, path, contentType, body)}");
                }
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{AgentBodyFuzzer.Groups[group]}: {perGroup} cases: {string.Join(", ", statuses.Select(s => $"{s.Key}×{s.Value}"))} ({kestrel} empty 400s from Kestrel itself)"));
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{total} cases (seed {seed}) in {TimeProvider.System.GetElapsedTime(started).TotalSeconds:0.0} s against {target}: {failures.Count} bad answers"));
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    private const string Kestrel = "kestrel";

    /// <summary>The status and what is wrong with the answer (null: nothing; <see cref="Kestrel"/>: Kestrel refused the request before Roost's code ran).</summary>
    private static async Task<(int Status, string? Wrong)> SendAsync(HttpClient http, string method, string path, string? contentType, byte[] body, string bearer)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        if (body.Length > 0 || contentType is not null)
        {
            request.Content = new ByteArrayContent(body);
            if (contentType is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }
        }

        try
        {
            using var response = await http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            var status = (int)response.StatusCode;

            // Kestrel refuses a request it cannot parse (a NUL in the path, say) with an empty 400 before Roost's code runs.
            return status == 400 && text.Length == 0 ? (status, Kestrel) : (status, Problem(status, response.Content.Headers.ContentType?.MediaType, text));
        }
        catch (HttpRequestException e)
        {
            return (0, $"no answer ({e.InnerException?.Message ?? e.Message})");
        }
    }

    /// <summary>What is wrong with an answer, or null: a 500, a problem that is not RFC 7807 or spans lines, a stack trace.</summary>
    private static string? Problem(int status, string? mediaType, string text)
    {
        if (status >= 500)
        {
            return $"a server error {status}: {text[..Math.Min(text.Length, 300)]}";
        }

        if (text.Contains("   at ", StringComparison.Ordinal) || text.Contains("Exception", StringComparison.Ordinal))
        {
            return $"a stack trace or exception name: {text[..Math.Min(text.Length, 300)]}";
        }

        if (status < 400)
        {
            return null;
        }

        if (mediaType != "application/problem+json")
        {
            return $"not a problem document ({mediaType}) with {status}";
        }

        try
        {
            using var problem = JsonDocument.Parse(text);
            return problem.RootElement.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.String
                && !(detail.GetString() ?? "").Any(char.IsControl)
                ? null
                : $"a problem whose detail is missing or not one clean line: {text[..Math.Min(text.Length, 300)]}";
        }
        catch (JsonException)
        {
            return "a problem that is not JSON";
        }
    }

    private static int? Setting(string name) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : null;
}
