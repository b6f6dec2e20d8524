using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Roost.Bft;
using Roost.Bft.Net;
using Roost.Simulation.Input;

namespace Roost.Cli.Commands;

/// <summary>
/// <c>roost bft keys|node|cluster|experiment real</c>: a deployment as real processes on loopback (Roost.Bft.Net),
/// and the ZZ-versus-2f+1 experiment of docs/experiments/zz.md, section 6.
/// </summary>
internal sealed partial class BftCommand
{
    private static int Keys(ParsedOptions options)
    {
        options.RejectOptionsOutside("keys", ["config", "out"]);
        NoMorePositional(options, 1);
        var config = ReadConfig(options);
        var output = options.Get("out") ?? throw new UsageException("roost bft keys: --out DIR is required");
        if (File.Exists(output) || (Directory.Exists(output) && !OperatingSystem.IsWindows() && (File.GetUnixFileMode(output) & ReplicaFiles.OthersMode) != 0))
        {
            throw new UsageException($"roost bft keys: --out {PrintableText.Escape(output)}: must be a folder only its owner can open (chmod 700) or a new path");
        }

        NodeKeys.Generate(config, output);
        Console.WriteLine($"wrote {config.Addresses.Count} key files (owner-only) to {output}");
        return 0;
    }

    private static async Task<int> NodeAsync(ParsedOptions options, CancellationToken cancellationToken)
    {
        options.RejectOptionsOutside("node", ["config", "keys", "node", "lie-on-stdin", "empty-image"]);
        NoMorePositional(options, 1);
        var config = ReadConfig(options);
        var name = options.Get("node") ?? throw new UsageException("roost bft node: --node NAME is required");
        if (ReplicaFiles.Replica(config, name) is not { } self)
        {
            throw new UsageException($"roost bft node: --node '{PrintableText.Escape(name)}' is not a replica of the deployment (a0.., e0..)");
        }

        var keyPath = options.Get("keys") ?? throw new UsageException("roost bft node: --keys FILE is required");
        var keys = ReadKeys(keyPath, config, self);
        Task? lie = null;
        if (options.Has("lie-on-stdin"))
        {
            lie = self.Role == NodeRole.Execution
                ? Task.Run(Console.In.ReadLine, cancellationToken) // Console.In reads synchronously even when asked to read async
                : throw new UsageException("roost bft node: --lie-on-stdin applies to an execution replica");
        }

        var emptyImage = options.Has("empty-image");
        if (emptyImage && self.Role != NodeRole.Execution)
        {
            throw new UsageException("roost bft node: --empty-image applies to an execution replica");
        }

        await NodeRunner.RunAsync(config, keys, Console.Out, Console.Error, lie, cancellationToken, emptyImage).ConfigureAwait(false);
        return 0;
    }

    private static async Task<int> ClusterAsync(ParsedOptions options, CancellationToken cancellationToken)
    {
        options.RejectOptionsOutside("cluster", ["config", "keys", "warmup", "duration", "work", "seed", "wrong-replies", "wrong-after", "wait-go", "empty-image", "sleepers"]);
        NoMorePositional(options, 1);
        var configPath = options.Get("config") ?? throw new UsageException("roost bft cluster: --config FILE is required");
        var (config, configText) = ReadConfigText(options);
        var keyDir = options.Get("keys") ?? throw new UsageException("roost bft cluster: --keys DIR is required");
        int? liar = null;
        if (options.Get("wrong-replies") is { } liarName)
        {
            liar = ReplicaFiles.Replica(config, liarName) is { Role: NodeRole.Execution } node
                ? node.Index
                : throw new UsageException($"roost bft cluster: --wrong-replies '{PrintableText.Escape(liarName)}' is not an execution replica of the deployment");
        }

        var clusterOptions = new ClusterOptions
        {
            Warmup = TimeSpan.FromSeconds(options.GetDouble("warmup", 2, 0, 3600)),
            Duration = TimeSpan.FromSeconds(options.GetDouble("duration", 10, 0.1, 86_400)),
            Work = options.GetInt("work", 20_000, 0, Roost.Bft.Services.HashChainService.MaxWork),
            Seed = options.GetInt("seed", 1, 0, 1_000_000),
            WrongReplies = liar,
            WrongAfter = TimeSpan.FromSeconds(options.GetDouble("wrong-after", 1, 0, 86_400)),
            WaitForGo = options.Has("wait-go"),
        };
        var emptyImage = options.Has("empty-image");
        var inVms = options.Get("sleepers") switch
        {
            null or "process" => false,
            "vm" => true,
            var other => throw new UsageException($"roost bft cluster: --sleepers '{PrintableText.Escape(other)}' is not process or vm"),
        };
        if (inVms && (emptyImage || liar is { } l && l >= config.Options.ActiveExecutionReplicas))
        {
            throw new UsageException("roost bft cluster: --sleepers vm runs the sleepers with their data and never as the liar (no --empty-image, --wrong-replies an active executor)");
        }

        var started = Stopwatch.GetTimestamp();
        await using var vms = inVms ? await BftVmSleepers.StartAsync(config, RoostStartInfo, Console.Out, cancellationToken).ConfigureAwait(false) : null;
        var cluster = new Cluster(
            config,
            clusterOptions,
            node => ReadKeys(Path.Combine(keyDir, NodeKeys.FileName(node)), config, node),
            node =>
            {
                var start = RoostStartInfo("bft", "node", "--config", configPath, "--keys", Path.Combine(keyDir, NodeKeys.FileName(node)), "--node", node.ToString());
                if (liar == node.Index && node.Role == NodeRole.Execution)
                {
                    // The cluster tells it when to start lying (--wrong-after seconds into the load).
                    start.ArgumentList.Add("--lie-on-stdin");
                    start.RedirectStandardInput = true;
                }

                if (emptyImage && node.Role == NodeRole.Execution && node.Index >= config.Options.ActiveExecutionReplicas)
                {
                    // A sleeper recreated without the service's data (a new VM): once woken it fetches all of it.
                    start.ArgumentList.Add("--empty-image");
                }

                return start;
            },
            Console.Out,
            Console.Error)
        {
            BootSleeperVm = vms is null ? null : (node, ct) =>
                vms.BootAsync(node, config, configText, ReadKeysText(Path.Combine(keyDir, NodeKeys.FileName(node)), config, node).Text, ct),
        };
        var result = await cluster.RunAsync(clusterOptions.WaitForGo ? Console.In : null, cancellationToken).ConfigureAwait(false);
        Console.WriteLine(result.Format());
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s wall; load average {LoadAverage()}"));
        return result.Requests > 0 && result.Errors == 0 ? 0 : 1;
    }

    private static DeploymentConfig ReadConfig(ParsedOptions options) => ReadConfigText(options).Config;

    /// <summary>The deployment --config names, and the text it was parsed from (what a sleeper VM is sent).</summary>
    private static (DeploymentConfig Config, string Text) ReadConfigText(ParsedOptions options)
    {
        var path = options.Get("config") ?? throw new UsageException($"roost bft {options.Positional[0]}: --config FILE is required");
        var text = InputFile.Read(path, DeploymentConfig.MaxBytes) switch
        {
            InputFileResult.Read read => Encoding.UTF8.GetString(read.Bytes.Span),
            InputFileResult.Refused refused => throw new UsageException($"--config {PrintableText.Escape(path)}: {refused.Reason}"),
            _ => throw new InvalidOperationException("unreachable"),
        };
        return (DeploymentConfig.Parse(text, PrintableText.Escape(path)), text);
    }

    private static NodeKeys ReadKeys(string path, DeploymentConfig config, NodeId node) => ReadKeysText(path, config, node).Keys;

    /// <summary>The keys of <paramref name="node"/> in the owner-only file <paramref name="path"/>, and the text they were parsed from.</summary>
    private static (NodeKeys Keys, string Text) ReadKeysText(string path, DeploymentConfig config, NodeId node)
    {
        var shown = PrintableText.Escape(path);
        var text = InputFile.Read(path, NodeKeys.MaxBytes) switch
        {
            InputFileResult.Read read => Encoding.ASCII.GetString(read.Bytes.Span),
            InputFileResult.Refused refused => throw new ConfigException($"key file {shown}: {refused.Reason}"),
            _ => throw new InvalidOperationException("unreachable"),
        };
        return (ReplicaFiles.Keys(path, shown, text, config, node), text);
    }

    private static void NoMorePositional(ParsedOptions options, int count)
    {
        if (options.Positional.Count > count)
        {
            throw new UsageException($"roost bft {options.Positional[0]}: unexpected argument '{PrintableText.Escape(options.Positional[count])}' (see 'roost bft --help')");
        }
    }

    /// <summary>Starts this same CLI (roost.dll under dotnet, or the apphost) with <paramref name="args"/>.</summary>
    private static ProcessStartInfo RoostStartInfo(params string[] args)
    {
        var host = Environment.ProcessPath ?? "dotnet";
        var start = new ProcessStartInfo(host);
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            start.ArgumentList.Add(typeof(BftCommand).Assembly.Location);
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return start;
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    /// <summary>Free TCP ports on loopback, found by binding port 0 (released before use: a small race other programs rarely win).</summary>
    private static List<int> FreePorts(int count)
    {
        var listeners = new List<TcpListener>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                listeners.Add(listener);
            }

            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            foreach (var listener in listeners)
            {
                listener.Stop();
            }
        }
    }

    /// <summary>The bridge's address and the sleeper guest's in an experiment with <c>--sleepers vm</c>.</summary>
    internal const string VmBridgeAddress = "10.213.0.1";

    internal const string VmGuestAddress = "10.213.0.2";

    /// <summary>Ports one service's deployment takes (<see cref="ExperimentConfig"/>).</summary>
    internal static int PortsPerService(int clients) => 4 + 3 + 3 + clients;

    /// <summary>
    /// A deployment file for the experiments: f = 1 on loopback, the mode, the service (<c>hash-chain objects=N
    /// object-bytes=B</c> or <c>null</c>) and generous timeouts for a loaded machine, on <paramref name="ports"/>
    /// (<see cref="PortsPerService"/> of them): the caller picks every service's ports in one <see cref="FreePorts"/>
    /// call, so two services never draw the same free port.
    /// </summary>
    /// <remarks>
    /// <paramref name="vmSleeper"/>: ZZ's sleeper e2 runs in a VM (<c>--sleepers vm</c>): every other node is on the
    /// bridge's address 10.213.0.1, e2 on the guest's, 10.213.0.2 (inside the cluster's own network namespace).
    /// </remarks>
    internal static string ExperimentConfig(string mode, int clients, string service, ReadOnlySpan<int> ports, bool vmSleeper = false)
    {
        if (ports.Length != PortsPerService(clients))
        {
            throw new ArgumentException($"{PortsPerService(clients)} ports are needed, not {ports.Length}", nameof(ports));
        }

        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"f 1\nmode {mode}\nservice {service}\n");

        // Executions queue behind one another on a shared, loaded CPU: replies are "missing" (a fault that wakes the
        // sleepers) only after two 5 s ticks, and clients and backups wait long before they retransmit or change views.
        // A wrong reply is detected when the reply digests differ, without waiting for a tick.
        text.Append("timing view-change=8000 execution-watch=5000 client-retransmit=6000\n");
        var p = 0;
        var host = vmSleeper ? VmBridgeAddress : "127.0.0.1";
        for (var i = 0; i < 4; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"agreement a{i} {host}:{ports[p++]}\n");
        }

        for (var i = 0; i < 3; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"execution e{i} {(vmSleeper && i == 2 ? VmGuestAddress : host)}:{ports[p++]} agent {host}:{ports[p++]}\n");
        }

        for (var i = 0; i < clients; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"client c{i} {host}:{ports[p++]}\n");
        }

        return text.ToString();
    }
}
