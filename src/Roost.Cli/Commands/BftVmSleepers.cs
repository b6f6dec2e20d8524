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
        await RunAsync("mount", ["-t", "sysfs", "sysfs", "/sys"], cancellationToken).ConfigureAwait(false);
        await IpAsync(["link", "set", "lo", "up"], cancellationToken).ConfigureAwait(false);
        await IpAsync(["link", "add", Bridge, "type", "bridge"], cancellationToken).ConfigureAwait(false);
        await IpAsync(["addr", "add", $"{host}/24", "dev", Bridge], cancellationToken).ConfigureAwait(false);
        await IpAsync(["link", "set", Bridge, "up"], cancellationToken).ConfigureAwait(false);

        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var folder = Path.Combine(Path.GetTempPath(), $"roost-bft-vm-{Environment.ProcessId}");
        Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var tokenFile = Path.Combine(folder, "agent.token");
        await File.WriteAllTextAsync(tokenFile, token, cancellationToken).ConfigureAwait(false);
        File.SetUnixFileMode(tokenFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
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
        using var process = Process.Start(start) ?? throw new UsageException($"roost bft cluster --sleepers vm: cannot run '{program}'", 1);
        var error = await process.StandardError.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new UsageException($"roost bft cluster --sleepers vm: {program} {string.Join(' ', arguments)}: {error.Trim()} (it needs root in namespaces of its own)", 1);
        }
    }

    private async Task CallAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
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
        private TcpListener? _listener;
        private TcpClient? _status;
        private Task? _reader;

        public string Mechanism => "paused VM (roost agent: QMP stop/cont)";

        public bool IsFrozen { get; private set; }

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

        public void Freeze()
        {
            owner.CallAsync(HttpMethod.Post, $"api/vms/{id}/pause", null, CancellationToken.None).GetAwaiter().GetResult();
            IsFrozen = true;
        }

        public void Thaw()
        {
            owner.CallAsync(HttpMethod.Post, $"api/vms/{id}/resume", null, CancellationToken.None).GetAwaiter().GetResult();
            IsFrozen = false;
        }

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
