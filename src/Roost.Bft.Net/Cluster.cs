using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Roost.Bft.Clients;

namespace Roost.Bft.Net;

/// <summary>
/// A whole deployment on one machine (<c>roost bft cluster</c>): every agreement and execution replica as its own
/// OS process (<c>roost bft node</c>), the agents of the executors (freezing a sleeper, thawing it on f+1 wake
/// commands), and the clients as a closed-loop load generator in this process, each client one request outstanding.
/// It measures throughput and latency in a window after a warm-up and, when an executor is told to lie, the time from
/// its first wrong reply until every request then in flight is answered correctly. Every process it starts it stops
/// (thawed first: a frozen process cannot die), and every freezer group it made it removes.
/// </summary>
public sealed class Cluster
{
    private readonly DeploymentConfig _config;
    private readonly ClusterOptions _options;
    private readonly Func<NodeId, NodeKeys> _keysOf;
    private readonly Func<NodeId, ProcessStartInfo> _startInfo;
    private readonly TextWriter _output;
    private readonly TextWriter _errors;
    private readonly ConcurrentDictionary<NodeId, bool> _ready = new();
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly Dictionary<int, SleeperAgent> _agents = [];
    private readonly Lock _said = new();
    private long _badReplyAt = -1;
    private long _view;

    public Cluster(DeploymentConfig config, ClusterOptions options, Func<NodeId, NodeKeys> keysOf, Func<NodeId, ProcessStartInfo> startInfo, TextWriter output, TextWriter errors)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(keysOf);
        ArgumentNullException.ThrowIfNull(startInfo);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(errors);
        _config = config;
        _options = options;
        _keysOf = keysOf;
        _startInfo = startInfo;
        _output = output;
        _errors = errors;
    }

    /// <summary>
    /// With a value, ZZ's sleepers (executors beyond the f+1 active) run in VMs this boots (<c>--sleepers vm</c>):
    /// their agents pause and resume the VM instead of freezing a process. Null: every replica is a process.
    /// </summary>
    public Func<NodeId, CancellationToken, Task<ISleeperVm>>? BootSleeperVm { get; init; }

    public async Task<ClusterResult> RunAsync(TextReader? go, CancellationToken cancellationToken)
    {
        var processes = new List<(NodeId Node, Process Process)>();
        var freezers = new List<Freezer>();
        var vms = new List<(NodeId Node, ISleeperVm Vm)>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var tasks = new List<Task>();
        try
        {
            foreach (var node in _config.Nodes.Where(n => n.Role != NodeRole.Client))
            {
                if (BootSleeperVm is not null && node.Role == NodeRole.Execution && node.Index >= _config.Options.ActiveExecutionReplicas)
                {
                    vms.Add((node, await BootSleeperVm(node, stop.Token).ConfigureAwait(false)));
                    continue;
                }

                var process = Start(node);
                processes.Add((node, process));
                if (node.Role == NodeRole.Execution && _config.Agents.TryGetValue(node.Index, out var address))
                {
                    var freezer = Freezer.For(process.Id, $"{node}");
                    freezers.Add(freezer);
                    StartAgent(node, freezer, address, tasks, stop.Token);
                }
            }

            foreach (var (node, vm) in vms)
            {
                // The agent first, so the executor's first "asleep" line finds it and the VM is paused.
                if (_config.Agents.TryGetValue(node.Index, out var address))
                {
                    StartAgent(node, vm, address, tasks, stop.Token);
                }

                await vm.StartAsync(line => OnVmLine(node, line), stop.Token).ConfigureAwait(false);
            }

            var clients = new List<(NodeHost Host, Client Client)>();
            var load = new LoadGenerator(_config, _options);
            for (var i = 0; i < _config.Clients; i++)
            {
                var id = NodeId.Client(i);
                var keys = _keysOf(id);
                var client = new Client(i, _config.Options, keys.Keyring);
                NodeHost? host = null;
                host = new NodeHost(client, _config, keys.Keyring, TimeProvider.System, _errors)
                {
                    Observe = e => load.OnDelivered(host!, e),
                };
                clients.Add((host, client));
                tasks.Add(host.RunAsync(stop.Token));
            }

            await WaitReadyAsync(processes, [.. vms.Select(v => v.Node)], clients.Select(c => c.Host), stop.Token).ConfigureAwait(false);
            Say($"ready {_config.Addresses.Count} nodes ({processes.Count} replica processes, {vms.Count} in VMs, {clients.Count} clients)");
            if (go is not null)
            {
                // Console.In reads synchronously even through ReadLineAsync: keep it off the caller's thread.
                if (await Task.Run(go.ReadLine, stop.Token).WaitAsync(stop.Token).ConfigureAwait(false) is null)
                {
                    throw new ConfigException("standard input closed before 'go': not loading");
                }
            }

            if (_options.WrongReplies is { } liar && processes.Find(p => p.Node == NodeId.Execution(liar)).Process is { } liarProcess)
            {
                tasks.Add(TellToLieAsync(liarProcess, stop.Token));
            }

            var result = await load.RunAsync(clients.Select(c => c.Host).ToList(), () => Interlocked.Read(ref _badReplyAt), stop.Token).ConfigureAwait(false);
            return result with
            {
                Freezes = _agents.Values.Sum(a => a.Freezes),
                Thaws = _agents.Values.Sum(a => a.Thaws),
                Freezer = vms.Count > 0 ? vms[0].Vm.Mechanism : freezers.Count > 0 ? freezers[0].Mechanism : "none",
                View = Interlocked.Read(ref _view),
            };
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            foreach (var agent in _agents.Values)
            {
                agent.Stop();
            }

            foreach (var freezer in freezers)
            {
                freezer.Dispose();
            }

            foreach (var (_, vm) in vms)
            {
                await vm.DisposeAsync().ConfigureAwait(false);
            }

            foreach (var (_, process) in processes)
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                }
            }

            foreach (var (_, process) in processes)
            {
                // A process frozen between the thaw and the kill would never exit: thaw again until it does.
                while (!await ExitedWithinAsync(process, TimeSpan.FromSeconds(2)).ConfigureAwait(false))
                {
                    freezers.ForEach(f => f.ForceThaw());
                }

                process.Dispose();
            }

            foreach (var freezer in freezers)
            {
                freezer.RemoveGroup();
            }

            try
            {
                await Task.WhenAll(tasks).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private void StartAgent(NodeId node, ISleeper sleeper, System.Net.IPEndPoint address, List<Task> tasks, CancellationToken cancellationToken)
    {
        var agent = new SleeperAgent(node.Index, _config.Options.F, sleeper, Log);
        var listener = new TcpListener(address);
        try
        {
            listener.Start();
        }
        catch (SocketException e)
        {
            throw new ConfigException($"the agent of {node}: cannot listen on {address}: {e.Message}");
        }

        _agents[node.Index] = agent;
        tasks.Add(RunAgentAsync(agent, listener, _keysOf(node), cancellationToken));
    }

    /// <summary>
    /// A status line of an executor in a VM: its errors (the VM has no stderr here) logged, the rest as a process's,
    /// with the guest's timestamp (its own CLOCK_MONOTONIC, not comparable with the host's) replaced by the time the line
    /// arrived here, which is later by the line's trip from the guest over its virtual NIC.
    /// </summary>
    private void OnVmLine(NodeId node, string? line)
    {
        var arrived = Stopwatch.GetTimestamp();
        if (line is null)
        {
            Log($"{node}: the VM's status stream ended");
        }
        else if (line.StartsWith("error ", StringComparison.Ordinal))
        {
            Log($"{node} (VM) stderr: {line["error ".Length..]}");
        }
        else
        {
            var words = line.Split(' ');
            if (words is ["woken-reply" or "woken-state" or "sync" or "bad-reply" or "wake-requested", _, _, ..] && long.TryParse(words[2], NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                words[2] = arrived.ToString(CultureInfo.InvariantCulture);
                line = string.Join(' ', words);
            }

            OnLine(node, line);
        }
    }

    private Process Start(NodeId node)
    {
        var start = _startInfo(node);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => OnLine(node, e.Data);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { Length: > 0 } line)
            {
                Log($"{node} stderr: {line}");
            }
        };
        if (!process.Start())
        {
            throw new ConfigException($"cannot start the process of {node}");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private void OnLine(NodeId node, string? line)
    {
        if (line is null)
        {
            return;
        }

        var words = line.Split(' ');
        switch (words[0])
        {
            case "ready":
                _ready[node] = true;
                break;
            case "state" when words.Length == 4 && words[2] == "asleep" && _agents.TryGetValue(node.Index, out var agent)
                && int.TryParse(words[3], NumberStyles.None, CultureInfo.InvariantCulture, out var generation):
                agent.OnAsleep(generation);
                break;
            case "state" when words.Length == 4 && words[2] == "awake" && _agents.TryGetValue(node.Index, out var agent)
                && int.TryParse(words[3], NumberStyles.None, CultureInfo.InvariantCulture, out var generation):
                agent.OnAwake(generation);
                break;
            case "view" when words.Length == 3 && long.TryParse(words[2], NumberStyles.None, CultureInfo.InvariantCulture, out var view):
                InterlockedMax(ref _view, view);
                break;
            case "woken-reply" when words.Length == 3 && long.TryParse(words[2], NumberStyles.None, CultureInfo.InvariantCulture, out var at):
                Log($"{node}: woken replica's first reply{SinceBadReply(at)}");
                break;
            case "woken-state" when words.Length == 5 && long.TryParse(words[2], NumberStyles.None, CultureInfo.InvariantCulture, out var at)
                && long.TryParse(words[3], NumberStyles.None, CultureInfo.InvariantCulture, out var objects) && long.TryParse(words[4], NumberStyles.None, CultureInfo.InvariantCulture, out var bytes):
                Log(string.Create(CultureInfo.InvariantCulture, $"{node}: woken replica's state transfer complete, {objects} objects ({bytes / 1e6:F1} MB) fetched{SinceBadReply(at)}"));
                break;
            case "bad-reply" when words.Length == 3 && long.TryParse(words[2], NumberStyles.None, CultureInfo.InvariantCulture, out var at):
                Interlocked.CompareExchange(ref _badReplyAt, at, -1);
                Log($"{node}: first wrong reply sent");
                break;
            default:
                break;
        }

        if (words[0] is "state" or "wake-requested" or "view" or "sync")
        {
            Log($"{node}: {line}");
        }
    }

    /// <summary>", N ms after the first wrong reply" for a node's CLOCK_MONOTONIC timestamp, or nothing before any wrong reply.</summary>
    private string SinceBadReply(long at)
    {
        var bad = Interlocked.Read(ref _badReplyAt);
        return bad < 0 ? "" : string.Create(CultureInfo.InvariantCulture, $", {(at - bad) * 1000.0 / Stopwatch.Frequency:F0} ms after the first wrong reply");
    }

    private static async Task<bool> ExitedWithinAsync(Process process, TimeSpan timeout)
    {
        try
        {
            await process.WaitForExitAsync(CancellationToken.None).WaitAsync(timeout, CancellationToken.None).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private static void InterlockedMax(ref long target, long value)
    {
        var seen = Interlocked.Read(ref target);
        while (value > seen && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
            seen = Interlocked.Read(ref target);
        }
    }

    private async Task TellToLieAsync(Process liar, CancellationToken cancellationToken)
    {
        await Task.Delay(_options.WrongAfter, TimeProvider.System, cancellationToken).ConfigureAwait(false);
        Log($"telling e{_options.WrongReplies} to send wrong replies");
        await liar.StandardInput.WriteLineAsync("lie".AsMemory(), cancellationToken).ConfigureAwait(false);
        await liar.StandardInput.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task RunAgentAsync(SleeperAgent agent, TcpListener listener, NodeKeys keys, CancellationToken cancellationToken)
    {
        try
        {
            await agent.RunAsync(listener, keys.Keyring, _errors, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            listener.Stop();
        }
    }

    private async Task WaitReadyAsync(List<(NodeId Node, Process Process)> processes, List<NodeId> vms, IEnumerable<NodeHost> clients, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        await Task.WhenAll(clients.Select(c => c.Listening)).WaitAsync(_options.StartTimeout, cancellationToken).ConfigureAwait(false);
        while (processes.Any(p => !_ready.ContainsKey(p.Node)) || vms.Any(v => !_ready.ContainsKey(v)))
        {
            if (processes.FirstOrDefault(p => p.Process.HasExited) is { Process: not null } dead)
            {
                throw new ConfigException($"{dead.Node} exited with code {dead.Process.ExitCode} before it was ready");
            }

            if (deadline.Elapsed > _options.StartTimeout)
            {
                throw new ConfigException($"not ready after {_options.StartTimeout.TotalSeconds:F0} s: {string.Join(", ", processes.Select(p => p.Node).Concat(vms).Where(n => !_ready.ContainsKey(n)))}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), TimeProvider.System, cancellationToken).ConfigureAwait(false);
        }
    }

    private void Log(string line) => Say(string.Create(CultureInfo.InvariantCulture, $"  {Stopwatch.GetElapsedTime(_started).TotalSeconds,8:F3} s  {line}"));

    private void Say(string line)
    {
        lock (_said)
        {
            _output.WriteLine(line);
            _output.Flush();
        }
    }
}
