using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace Roost.Cli.Client;

/// <summary>
/// Talks to one controller's API. The token goes to that controller only: no redirects are followed and no proxy is
/// used. Every failure is a <see cref="UsageException"/> of one line: an unreachable controller or a 4xx answer
/// (the operator's request was wrong) exits 2, a 5xx answer (the controller failed) exits 1.
/// </summary>
internal sealed class ControllerClient : IDisposable
{
    /// <summary>Answers larger than this are refused: far above any inventory the API lists.</summary>
    public const int MaxResponseBytes = 64 * 1024 * 1024;

    private readonly HttpClient _http;

    public ControllerClient(ControllerTarget target, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(target);
        Target = target;
        var handler = new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(10) };
        _http = new HttpClient(handler) { BaseAddress = target.Url, Timeout = timeout, MaxResponseContentBufferSize = MaxResponseBytes };
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (target.Token is { } token)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    public ControllerTarget Target { get; }

    public Task<JsonElement> GetAsync(string path, CancellationToken cancellationToken) => SendAsync(HttpMethod.Get, path, null, cancellationToken);

    /// <summary>The answer's JSON (<see cref="JsonValueKind.Undefined"/> for an empty one such as 204).</summary>
    public async Task<JsonElement> SendAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(method);
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new UsageException($"roost: controller {Target.Url}: unreachable: {Reason(e)}{Target.SourceHint}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"roost: controller {Target.Url}: no answer to {method} /{path} within {_http.Timeout.TotalSeconds:0} s"));
        }

        using (response)
        {
            var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            JsonElement json;
            try
            {
                json = bytes.Length == 0 ? default : JsonSerializer.Deserialize<JsonElement>(bytes);
            }
            catch (JsonException)
            {
                throw new UsageException($"roost: controller {Target.Url}: {method} /{path}: {(int)response.StatusCode}, and the answer is not JSON (is this a Roost controller?)", 1);
            }

            if (response.IsSuccessStatusCode)
            {
                return json;
            }

            var status = (int)response.StatusCode;
            var detail = json.ValueKind == JsonValueKind.Object && json.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
            var hint = response.StatusCode == HttpStatusCode.Unauthorized && Target.Token is null
                ? " (give the token: --token-file F, ROOST_TOKEN_FILE or ROOST_TOKEN)"
                : "";
            throw new UsageException(
                string.Create(CultureInfo.InvariantCulture, $"roost: {method} /{path}: {status} {response.ReasonPhrase}: {detail ?? "(no detail)"}{hint}"),
                status >= 500 ? 1 : 2);
        }
    }

    public void Dispose() => _http.Dispose();

    private static string Reason(HttpRequestException e) =>
        e.InnerException switch
        {
            SocketException s => s.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "connection refused (is 'roost serve' running there?)",
                SocketError.HostNotFound or SocketError.NoData => "no such host",
                SocketError.TimedOut => "connection timed out",
                _ => s.Message,
            },
            { } inner => inner.Message,
            null => e.Message,
        };
}
