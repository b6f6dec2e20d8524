using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Roost.Core.Migration;
using Roost.Hypervisor.Qemu;

namespace Roost.Hypervisor.Agent;

/// <summary>
/// The source agent's calls to a destination agent during a migration. Every call presents the migration ticket (never
/// this agent's token), is bounded in time, reads at most <see cref="MaxReplyBytes"/> of the answer (reading stops
/// there), and checks its shape strictly (required fields, types, ranges, nothing else). Every outcome is a
/// <see cref="PeerReply"/>; a failure's reason is one line naming the peer and the call.
/// </summary>
public sealed class PeerClient : IDisposable
{
    /// <summary>The most of a peer's answer (body) that is read.</summary>
    public const int MaxReplyBytes = 4096;

    private static readonly JsonSerializerOptions _json = AgentJson.Options;
    private readonly HttpClient _http;

    public PeerClient(TimeSpan connectTimeout)
    {
        _http = new HttpClient(new SocketsHttpHandler
        {
            ConnectTimeout = connectTimeout,
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            MaxResponseHeadersLength = 16,
            MaxResponseDrainSize = 0,
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
            MaxResponseContentBufferSize = MaxReplyBytes,
        };
    }

    /// <summary><c>POST /api/incoming</c>: admit the VM. <see cref="PeerReply.Admitted"/> carries the port, checked 1..65535.</summary>
    public async Task<PeerReply> AdmitAsync(Uri peer, string ticket, GuestSpec spec, byte[]? relaySecret, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var call = Call(peer, "POST", "api/incoming");
        var request = new IncomingRequest(spec.Id, spec.Cpus, spec.MemoryMiB, relaySecret is null ? null : Convert.ToHexStringLower(relaySecret),
            spec.Nic is { } nic ? new NicRequest(nic.Network, nic.Address, nic.Gateway) : null, spec.DiskMiB > 0 ? spec.DiskMiB : null, spec.Image);
        var answer = await SendAsync(peer, ticket, HttpMethod.Post, "api/incoming", request, call, timeout, cancellationToken).ConfigureAwait(false);
        return answer switch
        {
            (_, PeerReply failed) => failed,
            ({ } body, _) when body.Status is >= 400 and < 500 => new PeerReply.Declined($"{call} refused: {body.Status} {ProblemDetail(body.Json)}"),
            ({ } body, _) when body.Status != 200 => new PeerReply.Failed($"{call} answered {body.Status} {ProblemDetail(body.Json)}"),
            ({ } body, _) => ReadAdmission(body.Json, spec.Id, call),
            _ => new PeerReply.Failed($"{call}: no answer"),
        };
    }

    /// <summary><c>POST /api/incoming/{id}/complete</c>: the stream is complete; the destination adopts the VM or says it dropped it.</summary>
    public Task<PeerReply> CompleteAsync(Uri peer, string ticket, string vmId, TimeSpan timeout, CancellationToken cancellationToken) =>
        SettleAsync(peer, ticket, HttpMethod.Post, $"api/incoming/{Uri.EscapeDataString(vmId)}/complete", vmId, isAbort: false, timeout, cancellationToken);

    /// <summary><c>DELETE /api/incoming/{id}</c>: drop the incoming half; the answer is definite (dropped, or already adopted).</summary>
    public Task<PeerReply> AbortAsync(Uri peer, string ticket, string vmId, TimeSpan timeout, CancellationToken cancellationToken) =>
        SettleAsync(peer, ticket, HttpMethod.Delete, $"api/incoming/{Uri.EscapeDataString(vmId)}", vmId, isAbort: true, timeout, cancellationToken);

    /// <summary>
    /// The disk calls of a migration (<c>POST /api/incoming/{id}/disk</c>: export the incoming disk; <c>POST …/disk/close</c>:
    /// the copy is whole, stop exporting; <c>DELETE …/disk</c>: discard the partial disk). Null when done, else why not
    /// (one line); an export answers the port of the destination's NBD relay, checked 1..65535.
    /// </summary>
    public async Task<(int Port, string? Failure)> DiskAsync(Uri peer, string ticket, string vmId, DiskCall kind, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var (method, path) = kind switch
        {
            DiskCall.Export => (HttpMethod.Post, $"api/incoming/{Uri.EscapeDataString(vmId)}/disk"),
            DiskCall.Close => (HttpMethod.Post, $"api/incoming/{Uri.EscapeDataString(vmId)}/disk/close"),
            _ => (HttpMethod.Delete, $"api/incoming/{Uri.EscapeDataString(vmId)}/disk"),
        };
        var call = Call(peer, method.Method, path);
        var answer = await SendAsync(peer, ticket, method, path, null, call, timeout, cancellationToken).ConfigureAwait(false);
        if (answer.Failure is PeerReply.Failed failed)
        {
            return (0, failed.Reason);
        }

        if (answer.Body is not { Status: 200 } body)
        {
            return (0, $"{call} answered {answer.Body?.Status} {ProblemDetail(answer.Body?.Json)}");
        }

        if (!TryObject(body.Json, ["id", "port"], call, out var root, out var malformed) || !TryString(root, "id", call, out var id, out malformed))
        {
            return (0, ((PeerReply.Failed)malformed).Reason);
        }

        if (id != vmId)
        {
            return (0, $"{call} answered for VM '{Printable(id)}', not '{vmId}'");
        }

        if (!root.TryGetProperty("port", out var port) || port.ValueKind != JsonValueKind.Number || !port.TryGetInt32(out var number) || number is < 0 or > 65535
            || (kind == DiskCall.Export && number == 0))
        {
            return (0, $"{call}: 'port' is missing or not {(kind == DiskCall.Export ? "from 1" : "from 0")} to 65535");
        }

        return (number, null);
    }

    public void Dispose() => _http.Dispose();

    private async Task<PeerReply> SettleAsync(Uri peer, string ticket, HttpMethod method, string path, string vmId, bool isAbort, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var call = Call(peer, method.Method, path);
        var answer = await SendAsync(peer, ticket, method, path, null, call, timeout, cancellationToken).ConfigureAwait(false);
        if (answer.Failure is { } failure)
        {
            return failure;
        }

        if (answer.Body is not { Status: 200 } body)
        {
            return new PeerReply.Failed($"{call} answered {answer.Body?.Status} {ProblemDetail(answer.Body?.Json)}");
        }

        if (!TryObject(body.Json, ["id", "outcome", "detail"], call, out var root, out var malformed)
            || !TryString(root, "id", call, out var id, out malformed)
            || !TryString(root, "outcome", call, out var outcome, out malformed))
        {
            return malformed;
        }

        if (id != vmId)
        {
            return new PeerReply.Failed($"{call} answered for VM '{Printable(id)}', not '{vmId}'");
        }

        var detail = root.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String ? Printable(d.GetString() ?? "") : "no reason given";
        return outcome switch
        {
            IncomingSettlement.Adopted => new PeerReply.Adopted(),
            IncomingSettlement.Dropped when isAbort => new PeerReply.Dropped(),
            IncomingSettlement.Dropped => new PeerReply.Declined($"{call}: the destination dropped the VM ({detail})"),
            _ => new PeerReply.Failed($"{call} answered outcome '{Printable(outcome)}', not '{IncomingSettlement.Adopted}' or '{IncomingSettlement.Dropped}'"),
        };
    }

    private static PeerReply ReadAdmission(JsonDocument? json, string vmId, string call)
    {
        if (!TryObject(json, ["id", "port"], call, out var root, out var malformed) || !TryString(root, "id", call, out var id, out malformed))
        {
            return malformed;
        }

        if (id != vmId)
        {
            return new PeerReply.Failed($"{call} admitted VM '{Printable(id)}', not '{vmId}'");
        }

        if (!root.TryGetProperty("port", out var port) || port.ValueKind != JsonValueKind.Number || !port.TryGetInt32(out var number))
        {
            return new PeerReply.Failed($"{call}: 'port' is missing or not an integer");
        }

        return number is < 1 or > 65535
            ? new PeerReply.Failed(string.Create(CultureInfo.InvariantCulture, $"{call}: 'port' {number} is not from 1 to 65535"))
            : new PeerReply.Admitted(number);
    }

    /// <summary>Sends the call and reads at most <see cref="MaxReplyBytes"/> of the answer within <paramref name="timeout"/>.</summary>
    private async Task<(ReplyBody? Body, PeerReply? Failure)> SendAsync(
        Uri peer, string ticket, HttpMethod method, string path, object? body, string call, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(method, new Uri(peer, path));
        message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ticket);
        if (body is not null)
        {
            // Whole and with its length: a peer never has to take a chunked body.
            message.Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, _json));
            message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
            var buffer = new byte[MaxReplyBytes + 1];
            var read = 0;
            await using (var stream = await response.Content.ReadAsStreamAsync(deadline.Token).ConfigureAwait(false))
            {
                while (read < buffer.Length && await stream.ReadAsync(buffer.AsMemory(read), deadline.Token).ConfigureAwait(false) is var n and > 0)
                {
                    read += n;
                }
            }

            if (read > MaxReplyBytes)
            {
                return (null, new PeerReply.Failed($"{call} answered {(int)response.StatusCode} with a body over {MaxReplyBytes} bytes (reading stopped there)"));
            }

            JsonDocument? json = null;
            try
            {
                json = read == 0 ? null : JsonDocument.Parse(buffer.AsMemory(0, read), new JsonDocumentOptions { MaxDepth = 8 });
            }
            catch (JsonException e)
            {
                if (response.IsSuccessStatusCode)
                {
                    return (null, new PeerReply.Failed($"{call} answered {(int)response.StatusCode} with malformed JSON ({FirstSentence(e.Message)})"));
                }
            }

            return (new ReplyBody((int)response.StatusCode, json), null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, new PeerReply.Failed(string.Create(CultureInfo.InvariantCulture, $"{call}: no whole answer within {timeout.TotalSeconds:0.#} s")));
        }
        catch (OperationCanceledException)
        {
            return (null, new PeerReply.Failed($"{call}: abandoned"));
        }
        catch (HttpRequestException e)
        {
            return (null, new PeerReply.Failed($"{call}: unreachable ({Innermost(e)})"));
        }
        catch (IOException e)
        {
            return (null, new PeerReply.Failed($"{call}: the connection broke ({Innermost(e)})"));
        }
    }

    private static bool TryObject(JsonDocument? json, string[] allowed, string call, out JsonElement root, out PeerReply failure)
    {
        root = default;
        failure = new PeerReply.Failed($"{call}: the answer is not a JSON object");
        if (json is not { RootElement.ValueKind: JsonValueKind.Object })
        {
            return false;
        }

        root = json.RootElement;
        foreach (var property in root.EnumerateObject())
        {
            if (!allowed.Contains(property.Name, StringComparer.Ordinal))
            {
                failure = new PeerReply.Failed($"{call}: the answer has an unexpected field '{Printable(property.Name)}' (expected only {string.Join(", ", allowed)})");
                return false;
            }
        }

        return true;
    }

    private static bool TryString(JsonElement root, string name, string call, out string value, out PeerReply failure)
    {
        value = "";
        failure = new PeerReply.Failed($"{call}: '{name}' is missing or not a string");
        if (!root.TryGetProperty(name, out var element) || element.ValueKind != JsonValueKind.String)
        {
            return false;
        }

        value = element.GetString() ?? "";
        return true;
    }

    private static string ProblemDetail(JsonDocument? json) =>
        json is { RootElement.ValueKind: JsonValueKind.Object } && json.RootElement.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.String
            ? Printable(detail.GetString() ?? "")
            : "(no problem detail)";

    private static string Call(Uri peer, string method, string path) => $"peer agent {peer}: {method} /{path}";

    /// <summary>Text from a peer, safe to print on one line: control characters replaced, at most 200 characters.</summary>
    private static string Printable(string text) => AgentEndpoints.Printable(text, 200);

    private static string FirstSentence(string message) => message.Split(". ", 2)[0];

    private static string Innermost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e.Message;
    }

    private sealed record ReplyBody(int Status, JsonDocument? Json);
}
