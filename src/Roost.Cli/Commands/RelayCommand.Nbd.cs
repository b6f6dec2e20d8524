using System.Globalization;
using System.Net;
using System.Text.Json;
using Roost.Hypervisor.Disk;
using Roost.Hypervisor.Relay;

namespace Roost.Cli.Commands;

/// <summary><c>roost relay nbd-source|nbd-destination</c>: the two ends of a disk mirror's NBD connection through the relay.</summary>
internal sealed partial class RelayCommand
{
    private static async Task<int> NbdDestinationAsync(ParsedOptions options, byte[] secret, CancellationToken cancellationToken)
    {
        var listen = options.Get("listen") is { } l && IPAddress.TryParse(l, out var address)
            ? address
            : throw new UsageException("roost relay nbd-destination: --listen ADDRESS (an IP address) is required");
        var export = options.Get("export") ?? throw new UsageException("roost relay nbd-destination: --export SOCKET is required");
        await using var relay = NbdRelayDestination.Start(listen, secret, export, new RelayTimeouts(), TimeProvider.System);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"listening {new IPEndPoint(listen, relay.Port)}"));
        await Console.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
        var result = await relay.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
        Console.WriteLine(JsonSerializer.Serialize(new { end = "nbd-destination", result.Completed, result.Failure, elapsedMs = (long)result.Elapsed.TotalMilliseconds, result.Traffic }, _json));
        return result.Completed ? 0 : 1;
    }

    private static async Task<int> NbdSourceAsync(ParsedOptions options, byte[] secret, CancellationToken cancellationToken)
    {
        var to = options.Get("to") is { } t && IPEndPoint.TryParse(t, out var endpoint) && endpoint.Port > 0
            ? endpoint
            : throw new UsageException("roost relay nbd-source: --to ADDRESS:PORT is required");
        var codecOptions = CodecOptions(options, "roost relay nbd-source");
        var sockets = Directory.CreateTempSubdirectory("roost-nbd-relay-");
        try
        {
            await using var relay = NbdRelaySource.Start(to, secret, codecOptions, new RelayTimeouts(), TimeProvider.System, sockets.FullName);
            Console.WriteLine($"listening unix:{relay.SocketPath}");
            await Console.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
            RelayResult result;
            await using (cancellationToken.Register(() => _ = relay.AbortAsync("the relay process was interrupted")))
            {
                result = await relay.Completion.ConfigureAwait(false);
            }

            Console.WriteLine(JsonSerializer.Serialize(new { end = "nbd-source", result.Completed, result.Failure, elapsedMs = (long)result.Elapsed.TotalMilliseconds, relay.Requests.Writes, relay.Requests.Blocks, result.Traffic }, _json));
            return result.Completed ? 0 : 1;
        }
        finally
        {
            sockets.Delete(recursive: true);
        }
    }
}
