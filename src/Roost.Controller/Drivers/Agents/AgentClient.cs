using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Roost.Hypervisor.Agent;

namespace Roost.Controller.Drivers.Agents;

/// <summary>
/// The controller's side of one <c>roost agent</c>'s HTTP/JSON API, in the agent's own wire types
/// (<c>Roost.Hypervisor.Agent</c>, read with <see cref="AgentJson.Options"/>): one contract, no copies. Every call
/// carries this agent's own token and returns an <see cref="AgentReply{T}"/>: a refused connection, a timeout, an
/// answer over <see cref="MaxAnswerBytes"/> or an RFC 7807 problem becomes one line naming the agent and the call,
/// never an exception. Thread-safe (the shared <see cref="HttpClient"/> is).
/// </summary>
internal sealed class AgentClient
{
    /// <summary>The most of one answer that is read (a VM list of a large host is a few hundred KiB).</summary>
    public const int MaxAnswerBytes = 4 * 1024 * 1024;

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

    public Task<AgentReply<AgentInfo>> DescribeAsync(CancellationToken cancellationToken) =>
        SendAsync<AgentInfo>(HttpMethod.Get, "api/agent", null, _shortCall, cancellationToken);

    public Task<AgentReply<VmInfo[]>> ListAsync(CancellationToken cancellationToken) =>
        SendAsync<VmInfo[]>(HttpMethod.Get, "api/vms", null, _shortCall, cancellationToken);

    public Task<AgentReply<VmStats>> StatsAsync(string id, CancellationToken cancellationToken) =>
        SendAsync<VmStats>(HttpMethod.Get, $"api/vms/{Uri.EscapeDataString(id)}/stats", null, _shortCall, cancellationToken);

    public Task<AgentReply<MigrationProgress>> MigrationAsync(string id, CancellationToken cancellationToken) =>
        SendAsync<MigrationProgress>(HttpMethod.Get, $"api/vms/{Uri.EscapeDataString(id)}/migration", null, _shortCall, cancellationToken);

    public Task<AgentReply<VmInfo>> CreateAsync(CreateVmRequest request, CancellationToken cancellationToken) =>
        SendAsync<VmInfo>(HttpMethod.Post, "api/vms", JsonContent.Create(request, options: AgentJson.Options), _bootCall, cancellationToken);

    public Task<AgentReply<VmInfo>> DestroyAsync(string id, CancellationToken cancellationToken) =>
        SendAsync<VmInfo>(HttpMethod.Delete, $"api/vms/{Uri.EscapeDataString(id)}", null, _shortCall, cancellationToken);

    /// <summary>Asks this agent, as a destination, for a ticket admitting VM <paramref name="request"/>.</summary>
    public Task<AgentReply<TicketResponse>> IssueTicketAsync(CreateVmRequest request, CancellationToken cancellationToken) =>
        SendAsync<TicketResponse>(HttpMethod.Post, "api/incoming/tickets", JsonContent.Create(request, options: AgentJson.Options), _shortCall, cancellationToken);

    /// <summary>Returns when the migration is over (the agent answers then).</summary>
    public Task<AgentReply<MigrationReport>> MigrateAsync(string id, MigrateRequest request, CancellationToken cancellationToken) =>
        SendAsync<MigrationReport>(HttpMethod.Post, $"api/vms/{Uri.EscapeDataString(id)}/migrate", JsonContent.Create(request, options: AgentJson.Options), _migrationCall, cancellationToken);

    private async Task<AgentReply<T>> SendAsync<T>(HttpMethod method, string path, HttpContent? content, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var call = $"agent {BaseAddress}: {method} /{path}";
        using var request = new HttpRequestMessage(method, new Uri(BaseAddress, path)) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
            var body = await BoundedContent.ReadAsync(response.Content, MaxAnswerBytes, deadline.Token).ConfigureAwait(false);
            if (body is null)
            {
                return new AgentReply<T>.Failed($"{call}: answer over {MaxAnswerBytes} bytes (reading stopped there)", Unreachable: false);
            }

            if (response.IsSuccessStatusCode)
            {
                var value = JsonSerializer.Deserialize<T>(body, AgentJson.Options);
                return value is null
                    ? new AgentReply<T>.Failed($"{call}: empty answer", Unreachable: false)
                    : new AgentReply<T>.Ok(value);
            }

            return new AgentReply<T>.Failed($"{call}: {(int)response.StatusCode} {ProblemDetail(body, response)}", Unreachable: false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new AgentReply<T>.Failed($"{call}: no answer within {timeout.TotalSeconds:0} s", Unreachable: true);
        }
        catch (HttpRequestException e)
        {
            return new AgentReply<T>.Failed($"{call}: unreachable ({e.HttpRequestError switch { HttpRequestError.ConnectionError => "connection refused or reset", var other => other.ToString() }})", Unreachable: true);
        }
        catch (IOException e)
        {
            return new AgentReply<T>.Failed($"{call}: the connection broke ({e.Message})", Unreachable: true);
        }
        catch (JsonException e)
        {
            return new AgentReply<T>.Failed($"{call}: answer is not the expected JSON ({e.Message.Split('.')[0]}{(e.Path is { } where ? $" at {where}" : "")})", Unreachable: false);
        }
    }

    /// <summary>The 'detail' of an RFC 7807 answer, else the reason phrase.</summary>
    private static string ProblemDetail(byte[] body, HttpResponseMessage response)
    {
        try
        {
            using var problem = JsonDocument.Parse(body);
            if (problem.RootElement.ValueKind == JsonValueKind.Object && problem.RootElement.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.String)
            {
                return new string([.. (detail.GetString() ?? "").Take(500).Select(c => char.IsControl(c) ? '?' : c)]);
            }
        }
        catch (JsonException)
        {
            // Not a problem document: fall back to the status line.
        }

        return response.ReasonPhrase ?? "error";
    }
}
