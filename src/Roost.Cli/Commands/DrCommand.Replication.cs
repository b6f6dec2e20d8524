using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using Roost.Core.Model;
using Roost.Core.Network;
using Roost.Core.Recovery;
using Roost.Hypervisor.Qemu;
using Roost.Hypervisor.Recovery;
using Roost.Simulation.Input;

namespace Roost.Cli.Commands;

/// <summary>
/// <c>roost dr serve</c>: the cloud site's replication manager over TCP into an owner-only journal directory.
/// <c>roost dr bench</c>: a host-process transactional service at the primary site whose every commit is a disk write
/// through the replicator (no guest: the NBD write path is planned), driven by closed-loop clients; prints the
/// client-visible throughput and latency for one mode.
/// </summary>
internal sealed partial class DrCommand
{
    private static async Task<int> ServeAsync(ParsedOptions options, CancellationToken cancellationToken)
    {
        const string Verb = "roost dr serve";
        var listen = EndPoint(options, "listen", Verb);
        var directory = options.Get("dir") ?? throw new UsageException($"{Verb}: --dir is required");
        var secret = RelayCommand.ReadSecret(options.Get("secret-file") ?? throw new UsageException($"{Verb}: --secret-file is required"), "dr serve");
        var disks = options.GetAll("vm").Select(v => ParseDisk(v, Verb)).ToList();
        if (disks.Count == 0 || disks.Select(d => d.Vm).Distinct().Count() != disks.Count)
        {
            throw new UsageException($"{Verb}: give each protected VM once as --vm ID:SIZE_MIB");
        }

        var managerOptions = new ReplicationManagerOptions
        {
            CheckpointInterval = TimeSpan.FromSeconds(options.GetDouble("checkpoint-interval", 1, min: 0.01, max: 86_400)),
            RetainCheckpoints = options.GetInt("retain", 60, min: 1, max: 100_000),
            LossAfter = TimeSpan.FromSeconds(options.GetDouble("loss-after", 5, min: 0.01, max: 86_400)),
        };
        var statusListen = options.Get("status-listen");
        string? statusToken = null;
        if (statusListen is not null)
        {
            if (!EndPointText.TryParse(statusListen, out var statusEndPoint, allowPortZero: true))
            {
                throw new UsageException($"{Verb}: --status-listen '{PrintableText.Escape(statusListen)}' is not ADDRESS:PORT (port 0 picks a free one)");
            }

            statusListen = statusEndPoint.ToString();
            var tokenPath = options.Get("status-token-file") ?? throw new UsageException($"{Verb}: --status-listen needs --status-token-file (an owner-only file holding the bearer token)");
            statusToken = TokenFile.Read($"{Verb}: --status-token-file", tokenPath);
            TokenFile.RefuseOpenToOthers($"{Verb}: --status-token-file", tokenPath);
        }
        else if (options.Has("status-token-file"))
        {
            throw new UsageException($"{Verb}: --status-token-file is only for --status-listen");
        }

        var guests = SiteGuests(options, Verb, disks);
        ReplicationServer server;
        try
        {
            server = ReplicationServer.Start(listen, secret, directory, disks, managerOptions, TimeProvider.System, Console.Error.WriteLine);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Net.Sockets.SocketException or FormatException)
        {
            throw new UsageException($"{Verb}: {e.Message}", 1);
        }

        await using (server.ConfigureAwait(false))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"roost dr serve: listening on {server.LocalEndPoint}, journal in {PrintableText.Escape(directory)}, applied {server.Applied}"));
            DrSite? site = null;
            if (guests is not null)
            {
                try
                {
                    site = await DrSite.StartAsync(server, guests, TimeProvider.System, Console.Error.WriteLine, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new UsageException($"{Verb}: --run {PrintableText.Escape(guests.Run)}: {e.Message}", 1);
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"roost dr serve: warm replicas of {string.Join(", ", guests.Guests.Keys.Order().Select(v => $"VM {v}"))} bootable here on {guests.Bridge}{(guests.FailoverOnLoss ? ", failed over when their primary is lost" : ", failed over on command")}"));
            }

            DrStatusServer? status = null;
            if (statusListen is not null && statusToken is not null)
            {
                try
                {
                    status = site is null
                        ? await DrStatusServer.StartAsync(statusListen, statusToken, () => server.Status, cancellationToken).ConfigureAwait(false)
                        : await DrStatusServer.StartAsync(statusListen, statusToken, () => site.Status, cancellationToken, site).ConfigureAwait(false);
                }
                catch (IOException e)
                {
                    throw new UsageException($"{Verb}: --status-listen {statusListen}: {e.Message}", 1);
                }

                Console.WriteLine($"roost dr serve: status at {status.BaseAddress}status");
            }

            await using var statusServer = status;
            await using var siteActions = site;
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                stop.Cancel();
            });
            try
            {
                await server.Completion.WaitAsync(stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new UsageException($"{Verb}: the journal in {PrintableText.Escape(directory)} failed: {e.Message}", 1);
            }

            Console.WriteLine($"roost dr serve: stopped; applied {server.Applied}, {server.Store.JournalBytes} journal bytes written");
        }

        return 0;
    }

    /// <summary>
    /// serve's --guest ID=ADDRESS/PREFIX (repeatable: the VMs this site boots on failover, each a --vm) with --run,
    /// --bridge, --gateway, --qemu, --memory-mib and --failover-on-loss; null when no --guest is given (the site only
    /// replicates).
    /// </summary>
    private static DrSiteOptions? SiteGuests(ParsedOptions options, string verb, IReadOnlyList<ProtectedDisk> disks)
    {
        var given = options.GetAll("guest");
        if (given.Count == 0)
        {
            foreach (var needsGuest in new[] { "run", "bridge", "gateway", "qemu", "memory-mib", "failover-on-loss" })
            {
                if (options.Has(needsGuest))
                {
                    throw new UsageException($"{verb}: --{needsGuest} is for booting warm replicas here: give them with --guest ID=ADDRESS/PREFIX");
                }
            }

            return null;
        }

        var gateway = options.Get("gateway");
        var guests = new Dictionary<int, GuestNic>();
        foreach (var text in given)
        {
            var equals = text.IndexOf('=', StringComparison.Ordinal);
            if (equals < 1 || !int.TryParse(text.AsSpan(0, equals), NumberStyles.None, CultureInfo.InvariantCulture, out var vm) || disks.All(d => d.Vm.Value != vm))
            {
                throw new UsageException($"{verb}: --guest '{PrintableText.Escape(text)}' is not ID=ADDRESS/PREFIX with ID one of the --vm");
            }

            var nic = new GuestNic("dr", text[(equals + 1)..], gateway);
            if (nic.Validate() is { } invalid)
            {
                throw new UsageException($"{verb}: --guest {vm}: {invalid}");
            }

            if (!guests.TryAdd(vm, nic))
            {
                throw new UsageException($"{verb}: --guest {vm} is given twice");
            }
        }

        var run = options.Get("run") ?? throw new UsageException($"{verb}: --guest needs --run DIR (where replicas are exported and booted)");
        var bridge = options.Get("bridge") ?? throw new UsageException($"{verb}: --guest needs --bridge NAME (where failed-over guests' taps join)");
        if (!SiteFabric.IsInterfaceName(bridge))
        {
            throw new UsageException($"{verb}: --bridge '{PrintableText.Escape(bridge)}' is not an interface name");
        }

        var secret = RelayCommand.ReadSecret(options.Get("secret-file")!, "dr serve");
        return new DrSiteOptions(run, bridge, guests, secret)
        {
            Qemu = options.Get("qemu") ?? "qemu-system-x86_64",
            MemoryMiB = options.GetInt("memory-mib", 256, min: GuestSpec.MinMemoryMiB, max: 65_536),
            FailoverOnLoss = options.Has("failover-on-loss"),
        };
    }

    private static async Task<int> BenchAsync(ParsedOptions options, CancellationToken cancellationToken)
    {
        const string Verb = "roost dr bench";
        if (options.Has("service"))
        {
            return await ServiceBenchAsync(options, cancellationToken).ConfigureAwait(false);
        }

        var to = EndPoint(options, "to", Verb);
        var secret = RelayCommand.ReadSecret(options.Get("secret-file") ?? throw new UsageException($"{Verb}: --secret-file is required"), "dr bench");
        var modeName = options.Get("mode") ?? throw new UsageException($"{Verb}: --mode is required (async, sync or pipelined)");
        if (!ReplicationModes.TryParse(modeName, out var mode))
        {
            throw new UsageException($"{Verb}: --mode '{PrintableText.Escape(modeName)}' is not async, sync or pipelined");
        }

        var clients = options.GetInt("clients", 8, min: 1, max: 1024);
        var seconds = options.GetDouble("seconds", 10, min: 1, max: 3600);
        var writeBytes = options.GetInt("write-kib", 4, min: 1, max: 1024) * 1024;
        var vm = new VmId(options.GetInt("vm", 1, min: 1));
        var diskBytes = options.GetInt("disk-mib", 64, min: 1, max: 1 << 20) * 1024L * 1024;
        var lag = options.GetInt("lag", 1024, min: 1, max: 1_048_576);
        var slots = diskBytes / writeBytes;
        var ackedLogPath = options.Get("acked-log");
        if (ackedLogPath is not null)
        {
            OutputPath.RequireFile("dr bench", "acked-log", ackedLogPath);
        }

        // One line per commit whose reply is released, written (a write(2) per line) before the client is told, so
        // a SIGKILL leaves a record of at least every transaction a client saw acknowledged.
        using var ackedLog = ackedLogPath is null ? null : new StreamWriter(ackedLogPath, append: false) { AutoFlush = true };
        var logLock = new Lock();
        if (slots < 1)
        {
            throw new UsageException($"{Verb}: --write-kib is larger than --disk-mib");
        }

        await using var client = new ReplicationClient(to, secret, new ReplicatorOptions { Mode = mode.Value, MaxUnackedWrites = lag }, [vm], TimeProvider.System, Console.Error.WriteLine);
        var requests = Channel.CreateBounded<TaskCompletionSource>(clients);
        var data = new byte[writeBytes];
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        // The service: one commit at a time, as a database's log writer; the reply to the client leaves when the replicator lets it.
        var service = Task.Run(async () =>
        {
            long commits = 0;
            await foreach (var request in requests.Reader.ReadAllAsync(stop.Token).ConfigureAwait(false))
            {
                BitConverter.TryWriteBytes(data, ++commits);
                await client.WriteAsync(vm, commits % slots * writeBytes, data).WaitAsync(stop.Token).ConfigureAwait(false);
                var reply = client.PacketAsync(vm, null);
                var commit = commits;
                _ = reply.ContinueWith(
                    r =>
                    {
                        if (ackedLog is not null)
                        {
                            lock (logLock)
                            {
                                ackedLog.WriteLine(commit.ToString(CultureInfo.InvariantCulture));
                            }
                        }

                        request.TrySetResult();
                    },
                    TaskScheduler.Default);
            }
        }, CancellationToken.None);
        var latencies = new List<double>[clients];
        var clock = Stopwatch.StartNew();
        var end = TimeSpan.FromSeconds(seconds);
        var loops = Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            latencies[c] = [];
            while (clock.Elapsed < end)
            {
                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                var sent = clock.Elapsed;
                await requests.Writer.WriteAsync(done, stop.Token).ConfigureAwait(false);
                await done.Task.WaitAsync(stop.Token).ConfigureAwait(false);
                latencies[c].Add((clock.Elapsed - sent).TotalMilliseconds);
            }
        }, CancellationToken.None)).ToArray();
        try
        {
            await Task.WhenAll(loops).WaitAsync(end + TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new UsageException($"{Verb}: transactions stopped completing (is 'roost dr serve' reachable at {to}?)", 1);
        }

        var elapsed = clock.Elapsed.TotalSeconds;
        await stop.CancelAsync().ConfigureAwait(false);
        requests.Writer.TryComplete();
        try
        {
            await service.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        PrintLatencies(string.Create(CultureInfo.InvariantCulture, $"mode={ReplicationModes.Name(mode.Value)} clients={clients} write={writeBytes / 1024}KiB"), [.. latencies.SelectMany(l => l)], elapsed);
        return 0;
    }

    /// <summary>One line: the transactions, throughput, median and 95th percentile latency, and the machine's load average.</summary>
    private static void PrintLatencies(string what, double[] latencies, double elapsed)
    {
        var all = latencies.Order().ToArray();
        double Percentile(double p) => all.Length == 0 ? double.NaN : all[Math.Min(all.Length - 1, (int)Math.Ceiling(p * all.Length) - 1)];
        var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{what} transactions={all.Length} seconds={elapsed:0.0} tx/s={all.Length / elapsed:0.0} latency_ms_p50={Percentile(0.5):0.0} p95={Percentile(0.95):0.0} load1={load}"));
    }

    private static async Task<int> ExportAsync(ParsedOptions options, CancellationToken cancellationToken)
    {
        const string Verb = "roost dr export";
        var directory = options.Get("dir") ?? throw new UsageException($"{Verb}: --dir is required");
        var disk = ParseDisk(options.Get("vm") ?? throw new UsageException($"{Verb}: --vm ID:SIZE_MIB is required"), Verb);
        var output = options.Get("out") ?? throw new UsageException($"{Verb}: --out is required");
        if (File.Exists(output) || Directory.Exists(output))
        {
            throw new UsageException($"{Verb}: --out {PrintableText.Escape(output)}: exists; give a new file");
        }

        var acked = options.Get("acked-log") is { } ackedPath ? ReadAcked(Verb, ackedPath) : null;
        var (at, applied, seconds) = ExportReplica(Verb, directory, disk, output, options.Has("at") ? options.GetInt("at", 0, min: 0) : null);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{disk.Vm} at write {at} of {applied} applied: {PrintableText.Escape(output)} ({disk.SizeBytes} bytes, {seconds:0.00} s)"));
        if (acked is not null)
        {
            SqliteGuest.Check check;
            try
            {
                check = await SqliteGuest.CheckAsync(output, acked, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                throw new UsageException($"{Verb}: --acked-log: the replica's database could not be read: {e.Message}", 1);
            }

            var missing = check.Missing;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"acknowledged={acked.Count} rows={check.Rows} missing={missing.Count}{(missing.Count > 0 ? $" first_missing={missing[0].Client}:{missing[0].Sequence}@{missing[0].Row}" : "")}"));
        }

        return 0;
    }

    /// <summary>The lines "CLIENT SEQ ROW" that 'bench --service --acked-log' wrote; a torn last line (the writer was killed) is left out.</summary>
    private static List<SqliteGuest.Acknowledged> ReadAcked(string verb, string path)
    {
        var acked = new List<SqliteGuest.Acknowledged>();
        try
        {
            var lines = File.ReadAllLines(path);
            for (var number = 1; number <= lines.Length; number++)
            {
                var line = lines[number - 1];
                var words = line.Split(' ');
                if (words.Length == 3
                    && int.TryParse(words[0], NumberStyles.None, CultureInfo.InvariantCulture, out var client)
                    && long.TryParse(words[1], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence)
                    && long.TryParse(words[2], NumberStyles.None, CultureInfo.InvariantCulture, out var slot))
                {
                    acked.Add(new(client, sequence, slot));
                }
                else if (number < lines.Length)
                {
                    throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"{verb}: --acked-log {PrintableText.Escape(path)}: line {number}: '{PrintableText.Escape(line)}' is not CLIENT SEQ ROW"));
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"{verb}: --acked-log {PrintableText.Escape(path)}: {e.Message}");
        }

        return acked;
    }

    /// <summary>Writes <paramref name="disk"/>'s image at write <paramref name="at"/> (default the latest applied) from the journal in <paramref name="directory"/>.</summary>
    private static (long At, long Applied, double Seconds) ExportReplica(string verb, string directory, ProtectedDisk disk, string output, long? at)
    {
        RequireJournal(verb, directory, disk);
        try
        {
            using var store = new ReplicaStore(directory, [disk]);
            var applied = store.Recover().Applied[disk.Vm];
            var point = at ?? applied;
            var clock = Stopwatch.StartNew();
            store.Export(disk.Vm, point, output);
            return (point, applied, clock.Elapsed.TotalSeconds);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            throw new UsageException($"{verb}: {e.Message} (is 'roost dr serve' still running on {PrintableText.Escape(directory)}?)", 1);
        }
    }

    /// <summary>One line unless <paramref name="directory"/> holds a journal of <paramref name="disk"/> of its size.</summary>
    private static void RequireJournal(string verb, string directory, ProtectedDisk disk)
    {
        var baseImage = Path.Combine(directory, $"vm-{disk.Vm.Value}.base");
        if (!File.Exists(baseImage) || !File.Exists(Path.Combine(directory, $"vm-{disk.Vm.Value}.journal")))
        {
            throw new UsageException($"{verb}: --dir {PrintableText.Escape(directory)}: holds no journal of {disk.Vm}");
        }

        if (new FileInfo(baseImage).Length != disk.SizeBytes)
        {
            throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"{verb}: {disk.Vm}'s disk in the journal has {new FileInfo(baseImage).Length} bytes, not {disk.SizeBytes} (--vm)"));
        }
    }

    private static IPEndPoint EndPoint(ParsedOptions options, string name, string verb) =>
        options.Get(name) is { } text && IPEndPoint.TryParse(text, out var endpoint) && endpoint.Port > 0
            ? endpoint
            : throw new UsageException($"{verb}: --{name} ADDRESS:PORT is required (got '{PrintableText.Escape(options.Get(name) ?? "")}')");

    private static ProtectedDisk ParseDisk(string text, string verb)
    {
        var parts = text.Split(':');
        return parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id >= 1
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var mib) && mib is >= 1 and <= 1 << 24
            ? new ProtectedDisk(new VmId(id), mib * 1024 * 1024)
            : throw new UsageException($"{verb}: --vm '{PrintableText.Escape(text)}' is not ID:SIZE_MIB (a VM id from 1, a size from 1 MiB)");
    }
}
