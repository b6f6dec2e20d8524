using System.Globalization;
using Roost.Core.Network;

namespace Roost.Hypervisor.Network;

/// <summary>
/// Keeps one site's kernel network at the controller's VPC intent, from inside a <c>roost agent</c>: drives a
/// <see cref="SiteSync"/> (fetch with a long poll, reconcile with <see cref="VpcReconciler"/>, report, back off on
/// failure) until stopped. It holds nothing across restarts: a new agent fetches the whole intent and reconciles it,
/// which changes nothing when the kernel already matches. One per site; it is the site's only reconciler while it runs.
/// </summary>
public sealed class SiteNetworkAgent
{
    private readonly SiteFabric _fabric;
    private readonly string? _siteNamespace;
    private readonly ControllerNetworkClient _controller;
    private readonly SiteSyncSettings _settings;
    private readonly TimeProvider _time;
    private readonly TextWriter _log;

    /// <param name="fabric">The site's fabric (validated by the reconciler before every use).</param>
    /// <param name="siteNamespace">The site's network namespace (a lab site), or null for this process's own.</param>
    /// <param name="controller">The controller's network client (its URL and the token the agent presents).</param>
    /// <param name="settings">Back-off and long-poll durations.</param>
    /// <param name="time">The clock of the back-off waits.</param>
    /// <param name="log">Where one line per event goes (the agent's standard output).</param>
    public SiteNetworkAgent(SiteFabric fabric, string? siteNamespace, ControllerNetworkClient controller, SiteSyncSettings settings, TimeProvider time, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(fabric);
        ArgumentNullException.ThrowIfNull(controller);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(log);
        _fabric = fabric;
        _siteNamespace = siteNamespace;
        _controller = controller;
        _settings = settings;
        _time = time;
        _log = log;
    }

    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled (then returns; never throws for the network's sake).</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var machine = new SiteSync(_settings);
        var inputs = new Queue<SiteSyncInput>([new SiteSyncInput.Started()]);
        try
        {
            while (inputs.TryDequeue(out var input))
            {
                foreach (var output in machine.Handle(input))
                {
                    if (await ExecuteAsync(output, cancellationToken).ConfigureAwait(false) is { } answer)
                    {
                        inputs.Enqueue(answer);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task<SiteSyncInput?> ExecuteAsync(SiteSyncOutput output, CancellationToken cancellationToken)
    {
        switch (output)
        {
            case SiteSyncOutput.Fetch fetch:
                return await _controller.FetchAsync(fetch.KnownVersion, fetch.LongPoll, cancellationToken).ConfigureAwait(false);
            case SiteSyncOutput.Apply apply:
                var outcome = await VpcReconciler.ReconcileAsync(apply.Intent, _fabric, _siteNamespace, cancellationToken).ConfigureAwait(false);
                switch (outcome)
                {
                    case ReconcileResult.Converged converged:
                        foreach (var change in converged.Applied)
                        {
                            await LogAsync($"network: site {_fabric.Site}: {change}").ConfigureAwait(false);
                        }

                        if (converged.Applied.Count > 0)
                        {
                            await LogAsync($"network: site {_fabric.Site}: version {apply.Version} ({apply.Intent.Vpcs.Count} VPCs), {converged.Applied.Count} changes applied, kernel matches").ConfigureAwait(false);
                        }

                        return new SiteSyncInput.ApplyFinished(apply.Version, converged.Applied.Count);
                    case ReconcileResult.Failed failed:
                        return new SiteSyncInput.ApplyFailed(apply.Version, failed.Reason);
                    default:
                        throw new InvalidOperationException("unreachable");
                }

            case SiteSyncOutput.Report report:
                var uplinkMbps = (int)Math.Min(int.MaxValue, _fabric.UplinkBitsPerSecond / 1_000_000);
                if (await _controller.ReportAsync(_fabric.Site, new SiteNetworkReport(uplinkMbps, report.Version, report.Changes, report.Error), cancellationToken).ConfigureAwait(false) is { } unreported)
                {
                    await LogAsync($"network: site {_fabric.Site}: report not taken: {unreported}").ConfigureAwait(false);
                }

                return null;
            case SiteSyncOutput.Wait wait:
                await LogAsync(string.Create(CultureInfo.InvariantCulture, $"network: site {_fabric.Site}: {wait.Reason}; again in {wait.After.TotalSeconds:0.#} s")).ConfigureAwait(false);
                await Task.Delay(wait.After, _time, cancellationToken).ConfigureAwait(false);
                return new SiteSyncInput.TimerFired();
            default:
                throw new InvalidOperationException($"unknown output {output}");
        }
    }

    private async Task LogAsync(string line)
    {
        await _log.WriteLineAsync(line).ConfigureAwait(false);
        await _log.FlushAsync().ConfigureAwait(false);
    }
}
