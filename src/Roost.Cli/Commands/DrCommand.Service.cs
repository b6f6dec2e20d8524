using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Roost.Hypervisor.Recovery;

namespace Roost.Cli.Commands;

/// <summary>
/// <c>roost dr bench --service ADDRESS:PORT</c>: closed-loop clients of a protected guest's SQLite service
/// (<see cref="SqliteGuest"/>) over real TCP connections; a transaction is done when the guest's answer arrives
/// (in pipelined mode it waited in Roost's egress buffer). Every answer is checked (<see cref="CommitLogClient"/>);
/// with --acked-log each acknowledged commit is written ("CLIENT SEQ ROW", one write(2) a line) before it
/// counts, for the zero-loss experiment.
/// </summary>
internal sealed partial class DrCommand
{
    private static async Task<int> ServiceBenchAsync(ParsedOptions options, CancellationToken cancellationToken)
    {
        const string Verb = "roost dr bench";
        var service = EndPoint(options, "service", Verb);
        var clients = options.GetInt("clients", 8, min: 1, max: 1024);
        var seconds = options.GetDouble("seconds", 10, min: 1, max: 3600);
        var ackedLogPath = options.Get("acked-log");
        if (ackedLogPath is not null)
        {
            OutputPath.RequireFile("dr bench", "acked-log", ackedLogPath);
        }

        using var ackedLog = ackedLogPath is null ? null : new StreamWriter(ackedLogPath, append: false) { AutoFlush = true };
        var logLock = new Lock();
        var latencies = new List<double>[clients];
        var failures = new string?[clients];
        var clock = Stopwatch.StartNew();
        var end = TimeSpan.FromSeconds(seconds);
        var loops = Enumerable.Range(1, clients).Select(c => Task.Run(async () =>
        {
            latencies[c - 1] = [];
            try
            {
                var socket = new Socket(service.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                using var client = new CommitLogClient(socket);
                await socket.ConnectAsync(service, cancellationToken).ConfigureAwait(false);
                for (long seq = 1; clock.Elapsed < end; seq++)
                {
                    var sent = clock.Elapsed;
                    var slot = await client.CommitAsync(c, seq, cancellationToken).ConfigureAwait(false);
                    if (ackedLog is not null)
                    {
                        lock (logLock)
                        {
                            ackedLog.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{c} {seq} {slot}"));
                        }
                    }

                    latencies[c - 1].Add((clock.Elapsed - sent).TotalMilliseconds);
                }
            }
            catch (Exception e) when (e is SocketException or IOException)
            {
                failures[c - 1] = $"client {c}: {e.Message}";
            }
        }, CancellationToken.None)).ToArray();
        await Task.WhenAll(loops).ConfigureAwait(false);
        var elapsed = clock.Elapsed.TotalSeconds;
        if (failures.FirstOrDefault(f => f is not null) is { } failure)
        {
            throw new UsageException($"{Verb}: {service}: {failure}", 1);
        }

        PrintLatencies($"service={service} clients={clients}", [.. latencies.SelectMany(l => l)], elapsed);
        return 0;
    }
}
