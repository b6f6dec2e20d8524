using System.Diagnostics;

namespace Roost.Bft.Net;

/// <summary>
/// Closed-loop clients: each submits a request of the deployment's service (a hash chain on a random object, seeded per
/// client, or the null service's empty one) and the next one as soon as f+1 matching replies accepted the last. Records when each request was submitted and answered
/// (<see cref="Stopwatch"/> ticks); counts the requests answered inside the window after the warm-up.
/// Clients' loops record under one lock, which the measurement takes too (a request in flight may end while it runs).
/// </summary>
internal sealed class LoadGenerator
{
    private readonly DeploymentConfig _config;
    private readonly ClusterOptions _options;
    private readonly Dictionary<NodeId, ClientLoad> _clients = [];
    private readonly Lock _records = new();
    private volatile bool _running;

    public LoadGenerator(DeploymentConfig config, ClusterOptions options)
    {
        _config = config;
        _options = options;
        for (var i = 0; i < config.Clients; i++)
        {
            _clients[NodeId.Client(i)] = new ClientLoad(new Random((options.Seed * 7919) + i));
        }
    }

    public void OnDelivered(NodeHost host, ProtocolEvent e)
    {
        if (e is not ProtocolEvent.Delivered { Client: var client, Result: var result } || !_clients.TryGetValue(client, out var load))
        {
            return;
        }

        var now = Stopwatch.GetTimestamp();
        lock (_records)
        {
            load.Done.Add((load.SubmittedAt, now));
            if (!_config.Service.IsWellFormed(result))
            {
                load.Errors++;
            }

            load.SubmittedAt = -1;
        }

        if (_running)
        {
            Submit(host, load);
        }
    }

    public async Task<ClusterResult> RunAsync(IReadOnlyList<NodeHost> hosts, Func<long> badReplyAt, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        _running = true;
        foreach (var host in hosts)
        {
            var load = _clients[host.Id];
            load.SubmittedAt = Stopwatch.GetTimestamp();
            await host.PostAsync(new Input.Submit(Next(load)), cancellationToken).ConfigureAwait(false);
        }

        await Task.Delay(_options.Warmup + _options.Duration, TimeProvider.System, cancellationToken).ConfigureAwait(false);
        _running = false;
        var end = Stopwatch.GetTimestamp();
        if (_options.WrongReplies is not null)
        {
            await WaitForRecoveryAsync(badReplyAt, cancellationToken).ConfigureAwait(false);
        }

        lock (_records)
        {
            return Measure(start, end, badReplyAt());
        }
    }

    /// <summary>
    /// The window may close before every request in flight at the first wrong reply is answered (a thaw, a state
    /// transfer and the replays take seconds on a loaded machine): the clients keep running, submitting nothing new,
    /// until those are answered or <see cref="ClusterOptions.RecoveryTimeout"/> passes, so the recovery measured does
    /// not depend on how long the window is.
    /// </summary>
    private async Task WaitForRecoveryAsync(Func<long> badReplyAt, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < _options.RecoveryTimeout)
        {
            lock (_records)
            {
                if (Recovered(badReplyAt()))
                {
                    return;
                }
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), TimeProvider.System, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A wrong reply was sent and no client still waits for a request it submitted before it. Under <c>_records</c>.</summary>
    private bool Recovered(long bad) => bad >= 0 && !_clients.Values.Any(c => c.SubmittedAt >= 0 && c.SubmittedAt <= bad);

    private ClusterResult Measure(long start, long end, long bad)
    {
        var from = start + (long)(_options.Warmup.TotalSeconds * Stopwatch.Frequency);
        var done = _clients.Values.SelectMany(c => c.Done).Where(d => d.Answered >= from && d.Answered <= end).ToList();
        var latencies = done.Select(d => (d.Answered - d.Submitted) * 1000.0 / Stopwatch.Frequency).Order().ToList();
        double? recovery = null;
        if (bad >= 0)
        {
            // Every request in flight when the first wrong reply left must be answered (by f+1 matching replies).
            var inFlight = _clients.Values.SelectMany(c => c.Done).Where(d => d.Submitted <= bad && d.Answered > bad).ToList();
            recovery = inFlight.Count == 0 || !Recovered(bad) ? null : (inFlight.Max(d => d.Answered) - bad) * 1000.0 / Stopwatch.Frequency;
        }

        return new ClusterResult(
            _config.Options.Mode == ExecutionMode.Zz ? "zz" : "all",
            done.Count,
            (end - from) / (double)Stopwatch.Frequency,
            Percentile(latencies, 0.5),
            Percentile(latencies, 0.9),
            0,
            0,
            "none",
            recovery,
            _clients.Values.Sum(c => c.Errors));
    }

    private static double Percentile(List<double> sorted, double q) => sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)(q * sorted.Count))];

    private void Submit(NodeHost host, ClientLoad load)
    {
        lock (_records)
        {
            load.SubmittedAt = Stopwatch.GetTimestamp();
        }

        _ = host.PostAsync(new Input.Submit(Next(load)), CancellationToken.None).AsTask();
    }

    private byte[] Next(ClientLoad load) => _config.Service.NextOperation(load.Random, _options.Work, ++load.Salt);

    private sealed class ClientLoad(Random random)
    {
        public Random Random { get; } = random;

        public List<(long Submitted, long Answered)> Done { get; } = [];

        public long SubmittedAt { get; set; } = -1;

        public long Salt { get; set; }

        public long Errors { get; set; }
    }
}
