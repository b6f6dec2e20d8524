using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Roost.Core.Network;

namespace Roost.Hypervisor.Network;

/// <summary>
/// An agent's connection to the controller for its site's network: reads the intent (<c>GET /api/network</c>, with
/// the version it holds as <c>If-None-Match</c> and a long poll) and reports each reconciliation. The token goes to the
/// controller URL it was given and nowhere else: no redirects, no proxy. Answers are read up to
/// <see cref="MaxAnswerBytes"/> and checked (<see cref="NetworkResponse.ToIntent"/>) before anything is applied.
/// </summary>
public sealed class ControllerNetworkClient : IDisposable
{
    /// <summary>The most of an answer read: an intent of thousands of VPCs and members fits.</summary>
    public const int MaxAnswerBytes = 4 * 1024 * 1024;

    private static readonly TimeSpan _slack = TimeSpan.FromSeconds(15);

    /// <summary>Strict reading: numbers must be JSON numbers, and a field the contract does not have is refused.</summary>
    private static readonly JsonSerializerOptions _strict = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict,
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
    };
    private readonly HttpClient _http;

    public ControllerNetworkClient(Uri controller, string? token, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(controller);
        _http = new HttpClient(handler ?? new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(5) })
        {
            BaseAddress = controller,
            MaxResponseContentBufferSize = MaxAnswerBytes,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        if (token is not null)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    /// <summary>
    /// The intent, or <see cref="SiteSyncInput.IntentUnchanged"/> when <paramref name="knownVersion"/> is still current
    /// after <paramref name="wait"/>, or <see cref="SiteSyncInput.FetchFailed"/> with one line.
    /// </summary>
    public async Task<SiteSyncInput> FetchAsync(string? knownVersion, TimeSpan wait, CancellationToken cancellationToken)
    {
        var seconds = (int)Math.Ceiling(wait.TotalSeconds);
        var path = knownVersion is null || seconds <= 0 ? "api/network" : string.Create(CultureInfo.InvariantCulture, $"api/network?wait={seconds}");
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (knownVersion is not null)
        {
            request.Headers.IfNoneMatch.Add(new EntityTagHeaderValue($"\"{knownVersion}\""));
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(Math.Max(seconds, 0)) + _slack);
        try
        {
            using var response = await _http.SendAsync(request, deadline.Token).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NotModified)
            {
                return new SiteSyncInput.IntentUnchanged();
            }

            if (!response.IsSuccessStatusCode)
            {
                return new SiteSyncInput.FetchFailed($"GET {path}: {(int)response.StatusCode} {await ProblemAsync(response, deadline.Token).ConfigureAwait(false)}");
            }

            var answer = await response.Content.ReadFromJsonAsync<NetworkResponse>(_strict, deadline.Token).ConfigureAwait(false);
            string? error = "empty answer";
            if (answer?.ToIntent(out error) is not { } intent)
            {
                return new SiteSyncInput.FetchFailed($"GET {path}: the controller's intent is refused: {error}");
            }

            // The version is the content's own digest, never the header's text: nothing else is trusted from it.
            return new SiteSyncInput.IntentFetched(answer.Version(), intent);
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or NotSupportedException or IOException
            || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return new SiteSyncInput.FetchFailed($"GET {path}: {(e is OperationCanceledException ? "no answer in time" : e.Message)}");
        }
    }

    /// <summary>Reports one reconciliation of <paramref name="site"/>; null when the controller took it, else one line.</summary>
    public async Task<string?> ReportAsync(int site, SiteNetworkReport report, CancellationToken cancellationToken)
    {
        var path = string.Create(CultureInfo.InvariantCulture, $"api/network/sites/{site}");
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_slack);
        try
        {
            using var response = await _http.PutAsJsonAsync(path, report, JsonSerializerOptions.Web, deadline.Token).ConfigureAwait(false);
            return response.IsSuccessStatusCode ? null : $"PUT {path}: {(int)response.StatusCode} {await ProblemAsync(response, deadline.Token).ConfigureAwait(false)}";
        }
        catch (Exception e) when (e is HttpRequestException or IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return $"PUT {path}: {(e is OperationCanceledException ? "no answer in time" : e.Message)}";
        }
    }

    public void Dispose() => _http.Dispose();

    /// <summary>The problem's detail (or title), cut and made printable; the controller's text is not trusted to be either.</summary>
    private static async Task<string> ProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        string? detail = null;
        try
        {
            using var json = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false));
            detail = json.RootElement.ValueKind == JsonValueKind.Object
                && (json.RootElement.TryGetProperty("detail", out var d) || json.RootElement.TryGetProperty("title", out d)) && d.ValueKind == JsonValueKind.String
                ? d.GetString()
                : null;
        }
        catch (Exception e) when (e is JsonException or HttpRequestException or IOException)
        {
        }

        var text = detail ?? response.ReasonPhrase ?? "";
        return new string([.. text.Take(200).Select(c => char.IsControl(c) ? '?' : c)]);
    }
}
