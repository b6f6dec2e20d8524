using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Roost.Controller.Drivers.Agents;

/// <summary>
/// The controller's side of one <c>roost agent</c>'s HTTP/JSON API. Every call returns an <see cref="AgentReply{T}"/>:
/// a refused connection, a timeout or an RFC 7807 problem becomes one line naming the agent and the call, never an
/// exception. Thread-safe (the shared <see cref="HttpClient"/> is).
/// </summary>
internal sealed class AgentClient
{
    private static readonly JsonSerializerOptions _json = new(JsonSerializerDefaults.Web);
    private static readonly TimeSpan _shortCall = TimeSpan.FromSeconds(10);

    /// <summary>Booting a guest takes the agent up to its boot timeout (30 s by default), more on a busy machine.</summary>
    private static readonly TimeSpan _bootCall = TimeSpan.FromSeconds(120);

    /// <summary>A live migration's request lasts as long as the migration.</summary>
    private static readonly TimeSpan _migrationCall = TimeSpan.FromMinutes(30);

    private readonly HttpClient _http;
    private readonly string _token;

    public AgentClient(HttpClient http, Uri baseAddress, string token)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(baseAddress);
        ArgumentException.ThrowIfNullOrEmpty(token);
        _http = http;
        BaseAddress = baseAddress;
        _token = token;
    }

    /// <summary>The agent's base URL, ending in '/': also how other agents are told to reach it.</summary>
    public Uri BaseAddress { get; }

    public Task<AgentReply<AgentInfoDto>> DescribeAsync(CancellationToken cancellationToken) =>
        SendAsync<AgentInfoDto>(HttpMethod.Get, "api/agent", null, _shortCall, cancellationToken);

    public Task<AgentReply<AgentVmDto[]>> ListAsync(CancellationToken cancellationToken) =>
        SendAsync<AgentVmDto[]>(HttpMethod.Get, "api/vms", null, _shortCall, cancellationToken);

    public Task<AgentReply<AgentVmStatsDto>> StatsAsync(string id, CancellationToken cancellationToken) =>
        SendAsync<AgentVmStatsDto>(HttpMethod.Get, $"api/vms/{Uri.EscapeDataString(id)}/stats", null, _shortCall, cancellationToken);

    public Task<AgentReply<AgentMigrationDto>> MigrationAsync(string id, CancellationToken cancellationToken) =>
        SendAsync<AgentMigrationDto>(HttpMethod.Get, $"api/vms/{Uri.EscapeDataString(id)}/migration", null, _shortCall, cancellationToken);

    public Task<AgentReply<AgentVmDto>> CreateAsync(AgentCreateVmDto request, CancellationToken cancellationToken) =>
        SendAsync<AgentVmDto>(HttpMethod.Post, "api/vms", JsonContent.Create(request, options: _json), _bootCall, cancellationToken);

    public Task<AgentReply<AgentVmDto>> DestroyAsync(string id, CancellationToken cancellationToken) =>
        SendAsync<AgentVmDto>(HttpMethod.Delete, $"api/vms/{Uri.EscapeDataString(id)}", null, _shortCall, cancellationToken);

    /// <summary>Returns when the migration is over (the agent answers then); the reply body is not needed.</summary>
    public Task<AgentReply<JsonElement>> MigrateAsync(string id, AgentMigrateDto request, CancellationToken cancellationToken) =>
        SendAsync<JsonElement>(HttpMethod.Post, $"api/vms/{Uri.EscapeDataString(id)}/migrate", JsonContent.Create(request, options: _json), _migrationCall, cancellationToken);

    private async Task<AgentReply<T>> SendAsync<T>(HttpMethod method, string path, HttpContent? content, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var call = $"agent {BaseAddress}: {method} /{path}";
        using var request = new HttpRequestMessage(method, new Uri(BaseAddress, path)) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            using var response = await _http.SendAsync(request, deadline.Token).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                var value = await response.Content.ReadFromJsonAsync<T>(_json, deadline.Token).ConfigureAwait(false);
                return value is null
                    ? new AgentReply<T>.Failed($"{call}: empty answer", Unreachable: false)
                    : new AgentReply<T>.Ok(value);
            }

            return new AgentReply<T>.Failed($"{call}: {(int)response.StatusCode} {await ProblemDetailAsync(response, deadline.Token).ConfigureAwait(false)}", Unreachable: false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new AgentReply<T>.Failed($"{call}: no answer within {timeout.TotalSeconds:0} s", Unreachable: true);
        }
        catch (HttpRequestException e)
        {
            return new AgentReply<T>.Failed($"{call}: unreachable ({e.HttpRequestError switch { HttpRequestError.ConnectionError => "connection refused or reset", var other => other.ToString() }})", Unreachable: true);
        }
        catch (JsonException e)
        {
            return new AgentReply<T>.Failed($"{call}: answer is not the expected JSON ({e.Message.Split('.')[0]})", Unreachable: false);
        }
    }

    /// <summary>The 'detail' of an RFC 7807 answer, else the reason phrase.</summary>
    private static async Task<string> ProblemDetailAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>(_json, cancellationToken).ConfigureAwait(false);
            if (problem.ValueKind == JsonValueKind.Object && problem.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.String)
            {
                return detail.GetString() ?? "";
            }
        }
        catch (JsonException)
        {
            // Not a problem document: fall back to the status line.
        }

        return response.ReasonPhrase ?? "error";
    }
}
