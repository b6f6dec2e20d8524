using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Roost.Hypervisor.Agent;

/// <summary>
/// Calls another agent's API for the destination half of a live migration. Every failure becomes an
/// <see cref="AgentProblem"/> naming the peer: unreachable (connection refused, reset, timed out, or closed before
/// answering) or refused (the peer answered with a problem).
/// </summary>
public sealed class PeerClient(HttpClient http)
{
    private static readonly JsonSerializerOptions _json = new(JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    public Task<AgentOutcome<IncomingResponse>> PrepareIncomingAsync(Uri peer, string token, CreateVmRequest request, CancellationToken cancellationToken) =>
        SendAsync<IncomingResponse>(peer, token, HttpMethod.Post, "api/incoming", request, cancellationToken);

    public Task<AgentOutcome<VmInfo>> GetVmAsync(Uri peer, string token, string id, CancellationToken cancellationToken) =>
        SendAsync<VmInfo>(peer, token, HttpMethod.Get, $"api/vms/{id}", null, cancellationToken);

    public Task<AgentOutcome<VmInfo>> CompleteIncomingAsync(Uri peer, string token, string id, CancellationToken cancellationToken) =>
        SendAsync<VmInfo>(peer, token, HttpMethod.Post, $"api/incoming/{id}/complete", null, cancellationToken);

    public Task<AgentOutcome<VmInfo>> AbortIncomingAsync(Uri peer, string token, string id, CancellationToken cancellationToken) =>
        SendAsync<VmInfo>(peer, token, HttpMethod.Delete, $"api/incoming/{id}", null, cancellationToken);

    private async Task<AgentOutcome<T>> SendAsync<T>(Uri peer, string token, HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(method, new Uri(peer, path));
        message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
        {
            message.Content = JsonContent.Create(body, options: _json);
        }

        try
        {
            using var response = await http.SendAsync(message, cancellationToken).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                var value = await response.Content.ReadFromJsonAsync<T>(_json, cancellationToken).ConfigureAwait(false);
                return value is null
                    ? AgentProblem.PeerRefused($"peer agent {peer} answered {path} with an empty body")
                    : new AgentOutcome<T>.Ok(value);
            }

            var detail = await ReadDetailAsync(response, cancellationToken).ConfigureAwait(false);
            return AgentProblem.PeerRefused($"peer agent {peer} refused {method} /{path}: {(int)response.StatusCode} {detail}");
        }
        catch (HttpRequestException e)
        {
            return AgentProblem.PeerUnreachable($"peer agent {peer} is unreachable: {Innermost(e)}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return AgentProblem.PeerUnreachable($"peer agent {peer} did not answer /{path} within {http.Timeout.TotalSeconds:0} s");
        }
        catch (JsonException e)
        {
            return AgentProblem.PeerRefused($"peer agent {peer} answered /{path} with malformed JSON: {e.Message}");
        }
    }

    private static async Task<string> ReadDetailAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
            return problem.RootElement.TryGetProperty("detail", out var detail) ? detail.GetString() ?? "" : response.ReasonPhrase ?? "";
        }
        catch (JsonException)
        {
            return response.ReasonPhrase ?? "";
        }
    }

    private static string Innermost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e.Message;
    }
}
