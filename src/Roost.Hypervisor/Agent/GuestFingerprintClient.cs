using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Roost.Core.Sharing;

namespace Roost.Hypervisor.Agent;

/// <summary>
/// Reads a running guest's RAM through an agent (<c>GET /api/vms/{id}/memory</c>, <see cref="AgentEndpoints.MaxMemoryRead"/>
/// bytes a request) and fingerprints it page by page (<see cref="PageHasher"/>). The guest keeps running while its RAM
/// is read (Memory Buddies fingerprints live VMs): a page it rewrites during the read is hashed as it was before or
/// after the write, so an idle guest's fingerprint is its memory within the few pages it touched. With
/// <see cref="PauseGuest"/> the guest is paused for the read instead (one consistent snapshot) and resumed afterwards
/// whatever happens. Failures are problems naming the agent and the VM. The size the agent declares is checked before
/// anything is allocated for it: at most <see cref="MaxMemoryMiB"/>, and exactly <see cref="ExpectedMemoryMiB"/> when set.
/// </summary>
public sealed class GuestFingerprintClient(HttpClient http)
{
    /// <summary>The default <see cref="MaxMemoryMiB"/>: 64 GiB of RAM, 128 MiB of page hashes.</summary>
    public const int DefaultMaxMemoryMiB = 64 * 1024;

    /// <summary>Pause the guest for the whole read (default false: read while it runs).</summary>
    public bool PauseGuest { get; init; }

    /// <summary>A guest the agent declares larger than this is refused, not read (its hashes take 2 KiB a MiB).</summary>
    public int MaxMemoryMiB { get; init; } = DefaultMaxMemoryMiB;

    /// <summary>When set, the size the caller already knows: an agent declaring another size is refused.</summary>
    public int? ExpectedMemoryMiB { get; init; }

    private static readonly JsonSerializerOptions _json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    public async Task<AgentOutcome<GuestMemoryFingerprint>> FingerprintAsync(Uri agent, string token, string vmId, HashSampling sampling, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(token);
        ArgumentNullException.ThrowIfNull(vmId);
        try
        {
            using var info = await SendAsync(agent, token, HttpMethod.Get, $"api/vms/{vmId}", cancellationToken).ConfigureAwait(false);
            if (!info.IsSuccessStatusCode)
            {
                return await RefusedAsync(agent, info, $"GET /api/vms/{vmId}", cancellationToken).ConfigureAwait(false);
            }

            var vm = await info.Content.ReadFromJsonAsync<VmInfo>(_json, cancellationToken).ConfigureAwait(false);
            if (vm is null || vm.MemoryMiB <= 0)
            {
                return AgentProblem.PeerRefused($"agent {agent} described VM '{vmId}' without its memory size");
            }

            var wanted = vm.MemoryMiB > MaxMemoryMiB ? $"at most {MaxMemoryMiB} MiB"
                : ExpectedMemoryMiB is { } expected && vm.MemoryMiB != expected ? $"{expected} MiB"
                : null;
            if (wanted is not null)
            {
                return AgentProblem.PeerRefused($"agent {agent} declared VM '{vmId}' with {vm.MemoryMiB} MiB of memory, expected {wanted}: not read");
            }

            if (!PauseGuest)
            {
                return await ReadPagesAsync(agent, token, vm, sampling, cancellationToken).ConfigureAwait(false);
            }

            using (var pause = await SendAsync(agent, token, HttpMethod.Post, $"api/vms/{vmId}/pause", cancellationToken).ConfigureAwait(false))
            {
                if (!pause.IsSuccessStatusCode)
                {
                    return await RefusedAsync(agent, pause, $"POST /api/vms/{vmId}/pause", cancellationToken).ConfigureAwait(false);
                }
            }

            try
            {
                return await ReadPagesAsync(agent, token, vm, sampling, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                // Resume even when the read failed or was cancelled: a fingerprint must never leave a guest paused.
                using var resume = await SendAsync(agent, token, HttpMethod.Post, $"api/vms/{vmId}/resume", CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (HttpRequestException e)
        {
            return AgentProblem.PeerUnreachable($"agent {agent} is unreachable: {e.GetBaseException().Message}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return AgentProblem.PeerUnreachable($"agent {agent} did not answer within {http.Timeout.TotalSeconds:0} s");
        }
        catch (JsonException e)
        {
            return AgentProblem.PeerRefused($"agent {agent} answered with malformed JSON: {e.Message}");
        }
    }

    private async Task<AgentOutcome<GuestMemoryFingerprint>> ReadPagesAsync(Uri agent, string token, VmInfo vm, HashSampling sampling, CancellationToken cancellationToken)
    {
        var totalBytes = (long)vm.MemoryMiB * 1024 * 1024;
        var hashes = new ulong[checked((int)(totalBytes / PageHasher.PageSizeBytes))];
        var count = 0;
        long zeroPages = 0;
        for (long offset = 0; offset < totalBytes; offset += AgentEndpoints.MaxMemoryRead)
        {
            var length = (int)Math.Min(AgentEndpoints.MaxMemoryRead, totalBytes - offset);
            var path = $"api/vms/{vm.Id}/memory?offset={offset}&length={length}";
            using var response = await SendAsync(agent, token, HttpMethod.Get, path, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return await RefusedAsync(agent, response, $"GET /{path}", cancellationToken).ConfigureAwait(false);
            }

            var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            if (bytes.Length != length)
            {
                return AgentProblem.PeerRefused($"agent {agent} returned {bytes.Length} bytes of VM '{vm.Id}' RAM at offset {offset}, expected {length}");
            }

            count += PageHasher.HashPages(bytes, hashes.AsSpan(count), out var zeros);
            zeroPages += zeros;
        }

        return new AgentOutcome<GuestMemoryFingerprint>.Ok(
            new GuestMemoryFingerprint(vm.Id, vm.MemoryMiB, ExactFingerprint.FromPageHashes(hashes.AsSpan(0, count), zeroPages, sampling)));
    }

    private async Task<HttpResponseMessage> SendAsync(Uri agent, string token, HttpMethod method, string path, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(method, new Uri(agent, path));
        message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (method == HttpMethod.Post)
        {
            message.Content = JsonContent.Create(new { }, options: _json);
        }

        return await http.SendAsync(message, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<AgentProblem> RefusedAsync(Uri agent, HttpResponseMessage response, string request, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var detail = response.ReasonPhrase ?? "";
        try
        {
            using var problem = JsonDocument.Parse(text);
            if (problem.RootElement.ValueKind == JsonValueKind.Object && problem.RootElement.TryGetProperty("detail", out var d) && d.GetString() is { } s)
            {
                detail = s;
            }
        }
        catch (JsonException)
        {
        }

        return AgentProblem.PeerRefused($"agent {agent} refused {request}: {(int)response.StatusCode} {detail}");
    }
}
