using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Roost.Bft;
using Roost.Bft.Net;
using Roost.Hypervisor.Agent;
using Roost.Hypervisor.Qemu;
using Roost.Simulation.Input;

namespace Roost.Cli.Commands;

/// <summary>
/// ZZ's sleepers as real paused VMs (<c>roost bft cluster --sleepers vm</c>): a <c>roost agent</c> child process
/// (profile <c>bft-executor</c>) runs one QEMU guest per sleeper, whose init starts nothing until the agent hands the
/// guest its deployment and keys over the reporter port and starts the replica (<c>POST /api/vms/ID/bft-node</c>). The
/// guest's NIC is a tap on the bridge <see cref="Bridge"/>, which this makes in the current network namespace: one the
/// cluster must have to itself (<c>unshare -n</c>), so nothing of the host's network is touched and everything ends
/// with the namespace. Host-side replicas listen on the bridge's address, the guest's replica on its own. The
/// sleeper's agent (<see cref="SleeperAgent"/>) pauses the VM (<c>POST …/pause</c>, QMP <c>stop</c>) when the replica
/// reports it is asleep and resumes it (<c>POST …/resume</c>, QMP <c>cont</c>) on f+1 matching wake commands.
/// </summary>
internal sealed class BftVmSleepers : IAsyncDisposable
{
    public const string Bridge = "roost-bft";

    private const string Network = "bft";

    /// <summary>Guest RAM: the initramfs (about 100 MB: kernel modules, glibc, OpenSSL, the .NET runtime) is unpacked into it, then the replica runs.</summary>
    private const int GuestMemoryMiB = 512;

    /// <summary>How long a pause or resume may take: QMP stop/cont answer in milliseconds, and they run under the sleeper agent's lock.</summary>
    private static readonly TimeSpan _callTimeout = TimeSpan.FromSeconds(15);

    private readonly Process _agent;
    private readonly HttpClient _http;
    private readonly IPAddress _host;
    private readonly TextWriter _log;
    private string? _folder;

    private BftVmSleepers(Process agent, HttpClient http, IPAddress host, TextWriter log)
    {
        _agent = agent;
        _http = http;
        _host = host;
        _log = log;
    }

    /// <summary>
    /// Checks the namespace and the deployment's addresses, makes the bridge, starts the agent and waits until it
    /// serves (the first start builds the guest image). The agent's token is in an owner-only folder removed at the end.
    /// </summary>
    public static async Task<BftVmSleepers> StartAsync(DeploymentConfig config, Func<string[], ProcessStartInfo> roost, TextWriter log, CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new UsageException("roost bft cluster --sleepers vm: needs Linux (QEMU, bridges, network namespaces)");
        }

        // /proc/net/dev lists this network namespace's interfaces (/sys/class/net shows the namespace sysfs was mounted in).
        var interfaces = File.ReadAllLines("/proc/net/dev").Skip(2).Select(l => l.Split(':')[0].Trim()).Where(n => n != "lo").ToList();
        if (interfaces.Count > 0 || !OwnNamespace("net") || !OwnNamespace("mnt"))
        {
            throw new UsageException($"roost bft cluster --sleepers vm: run it in network and mount namespaces of its own (e.g. 'unshare -n -m roost bft cluster …'): it makes the bridge {Bridge} there and mounts that namespace's sysfs on /sys{(interfaces.Count > 0 ? $"; this one has {string.Join(", ", interfaces.Take(5))}" : "")}");
        }

        var host = config.Addresses[NodeId.Agreement(0)].Address;
        var sleepers = Sleepers(config).ToList();
        var wrong = config.Addresses.Where(a => !sleepers.Contains(a.Key) && !a.Value.Address.Equals(host)).Select(a => a.Key.ToString())
            .Concat(config.Agents.Where(a => !a.Value.Address.Equals(host)).Select(a => $"the agent of e{a.Key}"))
            .Concat(sleepers.Where(s => !SameSlash24(config.Addresses[s].Address, host) || config.Addresses[s].Address.Equals(host)).Select(s => s.ToString()))
            .ToList();
        if (host.AddressFamily != AddressFamily.InterNetwork || IPAddress.IsLoopback(host) || wrong.Count > 0)
        {
            throw new UsageException($"roost bft cluster --sleepers vm: every replica, client and agent but the sleepers must be on one non-loopback IPv4 address (a0's, the bridge's), each sleeper on its own address in the same /24; not so: {(wrong.Count > 0 ? string.Join(", ", wrong) : $"a0 at {host}")}");
        }

        // The agent and QEMU find bridges in /sys/class/net: it must show this namespace (as 'ip netns exec' does).
        // Private first: a mount namespace made by 'unshare -m' may still share mounts with the host's (propagation).
        await RunAsync("mount", ["--make-rprivate", "/"], cancellationToken).ConfigureAwait(false);
        await RunAsync("mount", ["-t", "sysfs", "sysfs", "/sys"], cancellationToken).ConfigureAwait(false);
        await IpAsync(["link", "set", "lo", "up"], cancellationToken).ConfigureAwait(false);
        await IpAsync(["link", "add", Bridge, "type", "bridge"], cancellationToken).ConfigureAwait(false);
        await IpAsync(["addr", "add", $"{host}/24", "dev", Bridge], cancellationToken).ConfigureAwait(false);
        await IpAsync(["link", "set", Bridge, "up"], cancellationToken).ConfigureAwait(false);

        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        // An unpredictable owner-only folder (0700), the token created owner-only (0600): never readable by others, not even briefly.
        var folder = Directory.CreateTempSubdirectory("roost-bft-vm-").FullName;
        var tokenFile = Path.Combine(folder, "agent.token");
        await PrivateFiles.WriteAllBytesAsync(tokenFile, Encoding.ASCII.GetBytes(token), cancellationToken).ConfigureAwait(false);
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var start = roost(["agent", "--name", $"bft-{Environment.ProcessId}", "--listen", $"127.0.0.1:{port}", "--capacity", "cpus=8,memory=8192",
            "--token-file", tokenFile, "--profile", "bft-executor", "--network", $"{Network}={Bridge}"]);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        var agent = new Process { StartInfo = start };
        agent.OutputDataReceived += (_, e) => { };
        agent.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { Length: > 0 } line)
            {
                log.WriteLine($"  roost agent: {line}");
            }
        };
        agent.Start();
        agent.BeginOutputReadLine();
        agent.BeginErrorReadLine();
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromMinutes(5) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var sleepersHost = new BftVmSleepers(agent, http, host, log) { _folder = folder };
        try
        {
            var waited = Stopwatch.StartNew();
            while (true)
            {
                if (agent.HasExited)
                {
                    throw new UsageException($"roost bft cluster --sleepers vm: roost agent exited with code {agent.ExitCode} before it served (its lines are above)", 1);
                }

                try
                {
                    using var response = await http.GetAsync(new Uri("api/agent", UriKind.Relative), cancellationToken).ConfigureAwait(false);
                    if (response.IsSuccessStatusCode)
                    {
                        break;
                    }
                }
                catch (HttpRequestException)
                {
                }

                if (waited.Elapsed > TimeSpan.FromMinutes(10))
                {
                    throw new UsageException("roost bft cluster --sleepers vm: roost agent did not serve within 10 minutes", 1);
                }

                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
            }

            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  roost agent (bft-executor image, bridge {Bridge} at {host}/24) serving after {waited.Elapsed.TotalSeconds:F1} s"));
            return sleepersHost;
        }
        catch
        {
            await sleepersHost.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>ZZ's sleepers: the executors beyond the f+1 active ones.</summary>
    public static IEnumerable<NodeId> Sleepers(DeploymentConfig config) =>
        config.Nodes.Where(n => n.Role == NodeRole.Execution && n.Index >= config.Options.ActiveExecutionReplicas);

    /// <summary>Boots the VM of <paramref name="node"/> (returns once its guest reports) without starting the replica.</summary>
    public async Task<ISleeperVm> BootAsync(NodeId node, DeploymentConfig config, string deployment, string keys, CancellationToken cancellationToken)
    {
        var id = $"bft-{node}";
        var booted = Stopwatch.StartNew();
        var request = new CreateVmRequest(id, 1, GuestMemoryMiB, new NicRequest(Network, $"{config.Addresses[node].Address}/24", null));
        await CallAsync(HttpMethod.Post, "api/vms", request, cancellationToken).ConfigureAwait(false);
        _log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  VM {id} booted in {booted.Elapsed.TotalSeconds:F1} s (1 vCPU, {GuestMemoryMiB} MiB)"));
        return new Vm(this, node, id, deployment, keys);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_agent.HasExited)
        {
            // SIGINT: the agent destroys every VM it runs (QEMU, RAM file, tap) before it exits.
            using (var kill = Process.Start(new ProcessStartInfo("kill", ["-INT", _agent.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false }))
            {
                if (kill is not null)
                {
                    await kill.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                }
            }

            try
            {
                await _agent.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                _agent.Kill(entireProcessTree: true);
            }
        }

        _agent.Dispose();
        _http.Dispose();
        var runDirectory = Path.Combine(Path.GetTempPath(), "roost", $"bft-{Environment.ProcessId}");
        if (Directory.Exists(runDirectory))
        {
            // The agent's run directory (its VMs' sockets and logs are gone with them).
            Directory.Delete(runDirectory, recursive: true);
        }

        if (_folder is not null && Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private static bool SameSlash24(IPAddress a, IPAddress b) =>
        a.AddressFamily == AddressFamily.InterNetwork && b.AddressFamily == AddressFamily.InterNetwork && a.GetAddressBytes().AsSpan(0, 3).SequenceEqual(b.GetAddressBytes().AsSpan(0, 3));

    /// <summary>
    /// Whether this process's namespace of <paramref name="kind"/> differs from its parent's (<c>unshare -n -m</c>
    /// made it for this process alone); false when either cannot be read.
    /// </summary>
    private static bool OwnNamespace(string kind)
    {
        try
        {
            var stat = File.ReadAllText("/proc/self/stat");
            var parent = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1];
            return File.ResolveLinkTarget($"/proc/self/ns/{kind}", false)?.Name is { } own
                && File.ResolveLinkTarget($"/proc/{parent}/ns/{kind}", false)?.Name is { } parents && own != parents;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static Task IpAsync(string[] arguments, CancellationToken cancellationToken) => RunAsync("ip", arguments, cancellationToken);

    private static async Task RunAsync(string program, string[] arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(program, arguments) { RedirectStandardError = true, UseShellExecute = false };
        Process? started;
        try
        {
            started = Process.Start(start);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new UsageException($"roost bft cluster --sleepers vm: cannot run '{program}' ({e.Message}; it is in iproute2 and util-linux)", 1);
        }

        using var process = started ?? throw new UsageException($"roost bft cluster --sleepers vm: cannot run '{program}'", 1);
        var error = await process.StandardError.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new UsageException($"roost bft cluster --sleepers vm: {program} {string.Join(' ', arguments)}: {error.Trim()} (it needs root in namespaces of its own)", 1);
        }
    }

    /// <summary>The VM's state as the agent reports it, or null when that takes longer than <see cref="_callTimeout"/> or fails.</summary>
    private async Task<VmState?> StateAsync(string id)
    {
        try
        {
            using var timeout = new CancellationTokenSource(_callTimeout);
            var info = await _http.GetFromJsonAsync<VmInfo>(new Uri($"api/vms/{id}", UriKind.Relative), AgentJson.Options, timeout.Token).ConfigureAwait(false);
            return info?.State;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary><paramref name="timeout"/>: the call's own (pause and resume), else the client's (VM boots take minutes under TCG).</summary>
    private async Task CallAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout is { } within)
        {
            limit.CancelAfter(within);
        }

        cancellationToken = limit.Token;
        using var message = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (body is not null)
        {
            message.Content = JsonContent.Create(body, body.GetType(), options: AgentJson.Options);
        }

        using var response = await _http.SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            throw new ConfigException($"roost agent: {method} /{path}: {(int)response.StatusCode} {PrintableText.Escape(text.Length > 400 ? text[..400] : text)}");
        }
    }

    /// <summary>One sleeper's VM.</summary>
    private sealed class Vm(BftVmSleepers owner, NodeId node, string id, string deployment, string keys) : ISleeperVm
    {
        private readonly VmPause _pause = new(
            node.ToString(), id, verb => owner.CallAsync(HttpMethod.Post, $"api/vms/{id}/{verb}", null, CancellationToken.None, _callTimeout), () => owner.StateAsync(id), _callTimeout, owner._log);
        private TcpListener? _listener;
        private TcpClient? _status;
        private Task? _reader;

        public string Mechanism => "paused VM (roost agent: QMP stop/cont)";

        public async Task StartAsync(Action<string?> onLine, CancellationToken cancellationToken)
        {
            _listener = new TcpListener(owner._host, 0);
            _listener.Start(1);
            var statusTo = $"{owner._host}:{((IPEndPoint)_listener.LocalEndpoint).Port}";
            var started = Stopwatch.StartNew();
            await owner.CallAsync(HttpMethod.Post, $"api/vms/{id}/bft-node", new BftNodeRequest(node.ToString(), deployment, keys, statusTo), cancellationToken).ConfigureAwait(false);
            try
            {
                _status = await _listener.AcceptTcpClientAsync(cancellationToken).AsTask().WaitAsync(TimeSpan.FromMinutes(3), cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                throw new ConfigException($"{node}: the replica in VM {id} did not connect to {statusTo} within 3 minutes");
            }
            finally
            {
                _listener.Stop();
            }

            owner._log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {node}: replica started in VM {id}, status connected after {started.Elapsed.TotalSeconds:F1} s"));
            _reader = ReadAsync(_status, onLine, cancellationToken);
        }

        public bool IsFrozen => _pause.IsPaused;

        public void Freeze() => _pause.Pause();

        public void Thaw() => _pause.Resume();

        public async ValueTask DisposeAsync()
        {
            _status?.Dispose();
            _listener?.Stop();
            try
            {
                await owner.CallAsync(HttpMethod.Delete, $"api/vms/{id}", null, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is ConfigException or HttpRequestException)
            {
                // The agent destroys it when it stops, which comes next.
            }

            if (_reader is not null)
            {
                await _reader.ConfigureAwait(false);
            }
        }

        /// <summary>The replica's status lines: at most 1 KiB each and printable ASCII, anything else ends the stream.</summary>
        private static async Task ReadAsync(TcpClient status, Action<string?> onLine, CancellationToken cancellationToken)
        {
            try
            {
                using var reader = new StreamReader(status.GetStream(), Encoding.ASCII);
                var line = new StringBuilder();
                var buffer = new char[4096];
                int read;
                while ((read = await reader.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    foreach (var c in buffer.AsSpan(0, read))
                    {
                        if (c == '\n')
                        {
                            onLine(line.ToString());
                            line.Clear();
                        }
                        else if (c is < ' ' or > '~' || line.Length >= 1024)
                        {
                            return;
                        }
                        else
                        {
                            line.Append(c);
                        }
                    }
                }
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
            finally
            {
                onLine(null);
            }
        }
    }
}

/// <summary>
/// Pauses and resumes one sleeper's VM for its agent (<see cref="ISleeper"/>, under the agent's lock): idempotent like
/// the process freezer (a second "asleep" line must not pause a paused VM, which the agent refuses with 409), and a
/// failed or timed-out call (<paramref name="post"/> enforces <paramref name="timeout"/>) is one logged line, never an
/// exception that would end the status reader. After a failure the VM's state is read back (QMP may have acted all the
/// same); when that fails too the VM counts as paused, so a later wake still resumes it.
/// </summary>
internal sealed class VmPause(string node, string id, Func<string, Task> post, Func<Task<VmState?>> state, TimeSpan timeout, TextWriter log)
{
    public bool IsPaused { get; private set; }

    public void Pause()
    {
        if (!IsPaused)
        {
            IsPaused = PausedAfter("pause", paused: true);
        }
    }

    public void Resume()
    {
        if (IsPaused)
        {
            IsPaused = PausedAfter("resume", paused: false);
        }
    }

    private bool PausedAfter(string verb, bool paused)
    {
        try
        {
            post(verb).GetAwaiter().GetResult();
            return paused;
        }
        catch (Exception e) when (e is ConfigException or HttpRequestException or OperationCanceledException)
        {
            var now = state().GetAwaiter().GetResult();
            var why = e is OperationCanceledException ? string.Create(CultureInfo.InvariantCulture, $"no answer within {timeout.TotalSeconds:F0} s") : e.Message;
            log.WriteLine($"  {node}: {verb} of VM {id} failed ({why}); it is {(now is { } known ? known.ToString() : "taken as paused (its state is unknown)")}");
            return now is null or VmState.Paused;
        }
    }
}
