using System.Net;
using System.Net.Sockets;
using System.Text;
using Roost.Bft.Net;

namespace Roost.Bft.Node;

/// <summary>
/// <c>roost-bft-node --config FILE --keys FILE --node eN [--empty-image] [--status-to IPv4:PORT]</c>: one replica of a
/// deployment, as <c>roost bft node</c> runs it, without the CLI. The <c>bft-executor</c> guest image runs it for ZZ's
/// sleeping VM (<c>/bin/bft-node</c>); with <c>--status-to</c> its status lines (<see cref="NodeRunner"/>) and errors
/// go to that TCP address (the cluster, on the host's side of the guest's NIC) instead of standard output. Bad input
/// is one line on standard error and exit code 2.
/// </summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancellation.Cancel();
        };

        string? config = null, keys = null, node = null, statusTo = null;
        var emptyImage = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--config" when i + 1 < args.Length:
                    config = args[++i];
                    break;
                case "--keys" when i + 1 < args.Length:
                    keys = args[++i];
                    break;
                case "--node" when i + 1 < args.Length:
                    node = args[++i];
                    break;
                case "--status-to" when i + 1 < args.Length:
                    statusTo = args[++i];
                    break;
                case "--empty-image":
                    emptyImage = true;
                    break;
                default:
                    return Fail($"unknown or incomplete argument '{Printable(args[i])}' (usage: --config FILE --keys FILE --node eN [--empty-image] [--status-to IPv4:PORT])");
            }
        }

        if (config is null || keys is null || node is null)
        {
            return Fail("--config FILE, --keys FILE and --node NAME are required");
        }

        IPEndPoint? status = null;
        if (statusTo is not null && (!IPEndPoint.TryParse(statusTo, out status) || status.Port == 0))
        {
            return Fail($"--status-to '{Printable(statusTo)}' is not IPv4:PORT");
        }

        try
        {
            var deployment = DeploymentConfig.Parse(ReplicaFiles.ReadText(config, Printable(config), DeploymentConfig.MaxBytes), Printable(config));
            if (ReplicaFiles.Replica(deployment, node) is not { } self)
            {
                return Fail($"--node '{Printable(node)}' is not a replica of the deployment");
            }

            var nodeKeys = ReplicaFiles.Keys(keys, Printable(keys), ReplicaFiles.ReadText(keys, $"key file {Printable(keys)}", NodeKeys.MaxBytes), deployment, self);
            if (status is null)
            {
                await NodeRunner.RunAsync(deployment, nodeKeys, Console.Out, Console.Error, lie: null, cancellation.Token, emptyImage).ConfigureAwait(false);
                return 0;
            }

            using var client = await ConnectAsync(status, cancellation.Token).ConfigureAwait(false);
            await using var writer = new StreamWriter(client.GetStream(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { AutoFlush = true, NewLine = "\n" };
            var output = TextWriter.Synchronized(writer);
            var errors = new PrefixedWriter(output, "error ");
            try
            {
                await NodeRunner.RunAsync(deployment, nodeKeys, output, errors, lie: null, cancellation.Token, emptyImage).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                await output.WriteLineAsync($"error {self} ended: {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}").ConfigureAwait(false);
                throw;
            }

            return 0;
        }
        catch (ConfigException e)
        {
            return Fail(e.Message);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            return 0;
        }
        catch (Exception e)
        {
            // Last resort (a port already bound, a file gone mid-run): one line, never a stack trace.
            Console.Error.WriteLine($"roost-bft-node: {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}");
            return 1;
        }
    }

    /// <summary>Connects to the cluster's status listener, trying again for up to a minute (the guest may be up first).</summary>
    private static async Task<TcpClient> ConnectAsync(IPEndPoint address, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var client = new TcpClient(address.AddressFamily) { NoDelay = true };
            try
            {
                await client.ConnectAsync(address, cancellationToken).ConfigureAwait(false);
                return client;
            }
            catch (SocketException) when (attempt < 600)
            {
                client.Dispose();
                await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"roost-bft-node: {message}");
        return 2;
    }

    private static string Printable(string text) => new([.. text.Take(200).Select(c => c is >= ' ' and <= '~' ? c : '?')]);

    /// <summary>Writes every line it is given to <paramref name="inner"/> after <paramref name="prefix"/>.</summary>
    private sealed class PrefixedWriter(TextWriter inner, string prefix) : TextWriter
    {
        public override Encoding Encoding => inner.Encoding;

        public override void Write(char value) => inner.Write(value);

        public override void WriteLine(string? value) => inner.WriteLine(prefix + value?.ReplaceLineEndings(" "));

        public override Task WriteLineAsync(string? value) => inner.WriteLineAsync(prefix + value?.ReplaceLineEndings(" "));
    }
}
