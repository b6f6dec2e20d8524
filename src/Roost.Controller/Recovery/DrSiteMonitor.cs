using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Roost.Core.Recovery;

namespace Roost.Controller.Recovery;

/// <summary>
/// The controller's view of its cloud sites (<c>roost serve --dr-site</c>): reads each site's <c>GET /status</c>
/// every <see cref="ControllerOptions.DrPollInterval"/> in a background loop (one per site) that stops with the controller, keeps the
/// last status, when it was read and the last problem, and forwards an operator's failover or failback to the site.
/// Each site has its own HTTP client and only its own token goes with its requests (no proxy, no redirects followed).
/// A site's answer is taken only as <see cref="DrSiteAnswer"/> bounds it.
/// </summary>
public sealed partial class DrSiteMonitor : BackgroundService
{
    /// <summary>How long one request to a site may take (connect included).</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(5);

    private readonly Dictionary<string, Site> _sites;
    private readonly TimeProvider _time;
    private readonly TimeSpan? _interval;
    private readonly ILogger<DrSiteMonitor> _logger;

    public DrSiteMonitor(ControllerOptions options, TimeProvider time, ILogger<DrSiteMonitor> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _time = time;
        _interval = options.DrPollInterval;
        _logger = logger;
        _sites = options.DrSites.ToDictionary(s => s.Name, s => new Site(s), StringComparer.Ordinal);
    }

    /// <summary>Every site, in name order, as last seen.</summary>
    public IReadOnlyList<DrSiteView> Views => [.. _sites.Values.OrderBy(s => s.Endpoint.Name, StringComparer.Ordinal).Select(s => s.View)];

    /// <summary>The site named <paramref name="name"/>, as last seen; null when there is none.</summary>
    public DrSiteView? Find(string name) => _sites.TryGetValue(name, out var site) ? site.View : null;

    /// <summary>Reads every site's status once (the background loop does this every interval; tests call it themselves).</summary>
    public Task PollAsync(CancellationToken cancellationToken) => Task.WhenAll(_sites.Values.Select(s => PollAsync(s, cancellationToken)));

    /// <summary>Asks site <paramref name="name"/> to fail <paramref name="vm"/> over (the site fences, exports and boots it).</summary>
    public Task<DrActionOutcome> FailoverAsync(string name, int vm, CancellationToken cancellationToken) =>
        ActAsync(name, vm, "failover", null, cancellationToken);

    /// <summary>Asks site <paramref name="name"/> to fail <paramref name="vm"/> back to the recovered primary at <paramref name="to"/>.</summary>
    public Task<DrActionOutcome> FailbackAsync(string name, int vm, IPEndPoint to, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(to);
        return ActAsync(name, vm, "failback", new { to = to.ToString() }, cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => _interval is { } interval
        ? Task.WhenAll(_sites.Values.Select(site => LoopAsync(site, interval, stoppingToken)))
        : Task.CompletedTask;

    public override void Dispose()
    {
        foreach (var site in _sites.Values)
        {
            site.Http.Dispose();
        }

        base.Dispose();
    }

    private async Task LoopAsync(Site site, TimeSpan interval, CancellationToken stoppingToken)
    {
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            await PollAsync(site, stoppingToken).ConfigureAwait(false);
            try
            {
                await Task.Delay(interval, _time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task PollAsync(Site site, CancellationToken cancellationToken)
    {
        var name = site.Endpoint.Name;
        string? problem;
        DrSiteStatus? status = null;
        try
        {
            var (code, body) = await SendAsync(site, HttpMethod.Get, "status", null, cancellationToken).ConfigureAwait(false);
            problem = code switch
            {
                HttpStatusCode.OK => (status = DrSiteAnswer.ReadStatus(body, out var error)) is null ? error : null,
                HttpStatusCode.Unauthorized => $"401: it refused the controller's token (--dr-token-file {name})",
                _ => string.Create(CultureInfo.InvariantCulture, $"answered {(int)code} {code}"),
            };
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return;
        }
        catch (SiteUnreachableException e)
        {
            problem = e.Message;
        }

        var now = _time.GetUtcNow();
        DrSiteView before, after;
        lock (site)
        {
            before = site.View;
            after = site.View = status is not null
                ? before with { Reachable = true, Status = status, ReadAt = now, CheckedAt = now, Problem = null }
                : before with { Reachable = false, CheckedAt = now, Problem = $"DR site {name} ({site.Endpoint.Address}): GET /status: {problem}" };
        }

        if (after.Problem is { } line && line != before.Problem)
        {
            LogProblem(_logger, line);
        }
        else if (after.Problem is null && before.Problem is not null)
        {
            LogReachable(_logger, name, after.Address);
        }
    }

    private async Task<DrActionOutcome> ActAsync(string name, int vm, string action, object? body, CancellationToken cancellationToken)
    {
        var site = _sites[name];
        var path = string.Create(CultureInfo.InvariantCulture, $"vms/{vm}/{action}");
        HttpStatusCode code;
        byte[] answer;
        try
        {
            (code, answer) = await SendAsync(site, HttpMethod.Post, path, body, cancellationToken).ConfigureAwait(false);
        }
        catch (SiteUnreachableException e)
        {
            return new DrActionOutcome.Failed($"DR site {name} ({site.Endpoint.Address}): POST /{path}: {e.Message}");
        }

        switch (code)
        {
            case HttpStatusCode.Accepted:
                if (DrSiteAnswer.ReadVm(answer, out var error) is not { } status)
                {
                    return new DrActionOutcome.Failed($"DR site {name}: POST /{path}: answered 202 with a {error}");
                }

                lock (site)
                {
                    if (site.View.Status is { } known)
                    {
                        site.View = site.View with { Status = known with { Vms = [.. known.Vms.Select(v => v.Vm == vm ? status : v)] } };
                    }
                }

                return new DrActionOutcome.Started(status);
            case HttpStatusCode.BadRequest or HttpStatusCode.NotFound or HttpStatusCode.Conflict:
                var detail = DrSiteAnswer.ReadProblemDetail(answer) ?? "(no detail)";
                return new DrActionOutcome.Refused((int)code, $"DR site {name}: {detail}");
            case HttpStatusCode.Unauthorized:
                return new DrActionOutcome.Failed($"DR site {name}: POST /{path}: 401: it refused the controller's token (--dr-token-file {name})");
            default:
                return new DrActionOutcome.Failed(string.Create(CultureInfo.InvariantCulture, $"DR site {name}: POST /{path}: answered {(int)code} {code}"));
        }
    }

    /// <summary>One request with the site's own token, its answer read up to <see cref="DrSiteAnswer.MaxBodyBytes"/>.</summary>
    private static async Task<(HttpStatusCode Code, byte[] Body)> SendAsync(Site site, HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(RequestTimeout);
        using var request = new HttpRequestMessage(method, new Uri(site.Endpoint.BaseAddress, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", site.Endpoint.Token);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        try
        {
            using var response = await site.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            if (response.Content.Headers.ContentLength > DrSiteAnswer.MaxBodyBytes)
            {
                throw new SiteUnreachableException($"its answer is larger than {DrSiteAnswer.MaxBodyBytes} bytes");
            }

            return (response.StatusCode, await BoundedContent.ReadAsync(response.Content, DrSiteAnswer.MaxBodyBytes, timeout.Token).ConfigureAwait(false)
                ?? throw new SiteUnreachableException($"its answer is larger than {DrSiteAnswer.MaxBodyBytes} bytes"));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SiteUnreachableException($"no answer within {RequestTimeout.TotalSeconds:0} s");
        }
        catch (HttpRequestException e)
        {
            throw new SiteUnreachableException($"unreachable: {DrSiteAnswer.Text(e.InnerException?.Message ?? e.Message)}");
        }
        catch (IOException e)
        {
            throw new SiteUnreachableException($"the answer broke off: {DrSiteAnswer.Text(e.Message)}");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Problem}")]
    private static partial void LogProblem(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Information, Message = "DR site {Site} ({Address}): status read again")]
    private static partial void LogReachable(ILogger logger, string site, string address);

    private sealed class Site(DrSiteEndpoint endpoint)
    {
        public DrSiteEndpoint Endpoint { get; } = endpoint;

        public HttpClient Http { get; } = new(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            ConnectTimeout = RequestTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };

        public DrSiteView View { get; set; } = new(endpoint.Name, endpoint.Address.ToString(), null, null, null, null, null);
    }

    private sealed class SiteUnreachableException(string message) : Exception(message);
}
