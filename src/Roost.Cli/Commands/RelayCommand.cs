using System.Globalization;
using System.Net;
using System.Text.Json;
using Roost.Core.Migration.Stream;
using Roost.Hypervisor.Qmp;
using Roost.Hypervisor.Relay;
using Roost.Simulation.Input;

namespace Roost.Cli.Commands;

/// <summary>
/// <c>roost relay source|destination</c>: one end of CloudNet's migration relay as a process, for experiments and
/// for driving QEMU by hand. The source end takes QEMU's stream on loopback and sends it deduplicated, delta-encoded
/// and compressed to the destination end, which rebuilds it byte for byte for the incoming QEMU.
/// </summary>
internal sealed partial class RelayCommand : ICommand
{
    private const int MaxSecretBytes = 4096;

    private static readonly Dictionary<string, string[]> _optionsOf = new(StringComparer.Ordinal)
    {
        ["source"] = ["to", "secret-file", "qmp", "smart-stop", "dedup", "delta", "compression", "level", "channels", "send-buffer-kib"],
        ["destination"] = ["listen", "secret-file", "qemu", "pin"],
        ["tamper"] = ["listen", "to", "secret-file", "fault", "after-bytes"],
        ["nbd-source"] = ["to", "secret-file", "dedup", "delta", "compression", "level"],
        ["nbd-destination"] = ["listen", "secret-file", "export"],
    };

    private static readonly JsonSerializerOptions _json = new(JsonSerializerDefaults.Web);

    public string Name => "relay";

    public string Summary => "One end of the CloudNet migration relay (dedup, deltas, compression, smart stop) as a process";

    public OptionSet Options { get; } = new OptionSet(
            "roost relay destination --listen ADDRESS --secret-file FILE --qemu 127.0.0.1:PORT [--qemu …] [--pin RAMFILE …]\n"
            + "       roost relay source --to ADDRESS:PORT --secret-file FILE [--qmp SOCKET] [--smart-stop on|off]\n"
            + "                          [--dedup on|off] [--delta on|off] [--compression zstd|lz4|none] [--level N] [--channels N]\n"
            + "                          [--send-buffer-kib N]\n"
            + "       roost relay tamper --listen ADDRESS --to ADDRESS:PORT --secret-file FILE --fault corrupt|forge [--after-bytes N]\n"
            + "       roost relay nbd-destination --listen ADDRESS --secret-file FILE --export SOCKET\n"
            + "       roost relay nbd-source --to ADDRESS:PORT --secret-file FILE [--dedup …] [--delta …] [--compression …] [--level N]",
            "The destination end listens on ADDRESS (port chosen by the system) and prints 'listening ADDRESS:PORT'; once the\n"
            + "source end proves it holds the secret (the file's bytes, at least 32, owner-only), it connects to the incoming\n"
            + "QEMU at each --qemu (loopback only, one per channel) and feeds it the rebuilt stream; --pin names RAM files of\n"
            + "VMs resident here, whose pages the source may then send as references. The source end prints 'listening\n"
            + "unix:PATH,…' (one owner-only Unix socket per channel: migrate QEMU to unix:PATH) and relays to --to. With --qmp\n"
            + "(the source QEMU's QMP socket) it applies the smart stop: when a pre-copy pass no longer shrinks the dirty set\n"
            + "it raises QEMU's downtime limit so QEMU stops and copies. Each end prints one JSON line with what it carried\n"
            + "when it is done and exits 0 when every stream ended whole, 1 otherwise. 'tamper' is for fault experiments: a man\n"
            + "in the middle (the source end connects to it, it connects to --to) that spoils one data frame after N bytes; it\n"
            + "reads the secret to find frames: 'corrupt' breaks a frame's MAC, 'forge' MACs a made-up reference with it.\n"
            + "Frames are MACed per direction with keys from the secret; payloads are not encrypted (docs/security.md).\n"
            + "nbd-source and nbd-destination carry a\n"
            + "disk mirror's NBD connection the same way (the source QEMU's NBD client connects to the printed unix:PATH; the\n"
            + "destination end connects to the incoming QEMU's NBD export at --export, a Unix socket).")
        .WithArguments("destination|source|tamper|nbd-source|nbd-destination", "destination", "source", "tamper", "nbd-source", "nbd-destination")
        .Add("listen", "ADDRESS", "destination: the IP address to listen on for the source's relay")
        .Add("qemu", "127.0.0.1:PORT", "destination: an incoming QEMU's migration listener (repeat per channel)", repeatable: true)
        .Add("pin", "RAMFILE", "destination: RAM file of a VM resident here, offered for deduplication", repeatable: true)
        .Add("export", "SOCKET", "nbd-destination: the incoming QEMU's NBD server (a Unix socket)")
        .Add("to", "ADDRESS:PORT", "source: the destination relay")
        .Add("secret-file", "FILE", "The migration's secret (at least 32 bytes, mode 0600 or stricter)")
        .Add("qmp", "SOCKET", "source: the source QEMU's QMP socket, for the smart stop")
        .Add("smart-stop", "on|off", "source: force the stop-and-copy when the dirty set stops shrinking (default on with --qmp)")
        .Add("dedup", "on|off", "source: send pages the destination holds as digests (default on)")
        .Add("delta", "on|off", "source: send re-sent pages as XOR deltas (default on)")
        .Add("compression", "zstd|lz4|none", "source: frame compression (default zstd)")
        .Add("level", "N", "source: compression level (zstd 1-19, lz4 0 or 3-12; default 3 for zstd, 0 for lz4)")
        .Add("channels", "N", "source: number of QEMU streams, 1 to 16 (default 1)")
        .Add("fault", "corrupt|forge", "tamper: flip a bit of a data frame (its MAC fails), or replace one by a validly MACed reference to a made-up digest")
        .Add("after-bytes", "N", "tamper: bytes to pass through before spoiling the next data frame (default 1000000)")
        .Add("send-buffer-kib", "N", "source: the link socket's send buffer, 64 to 65536 KiB, about 2 x bandwidth x RTT (default: the kernel's autotuning, at most 256 KiB unsent)");

    public async Task<int> RunAsync(ParsedOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var verb = options.Positional switch
        {
            [var v] when _optionsOf.ContainsKey(v) => v,
            _ => throw new UsageException("roost relay: expected 'source', 'destination', 'tamper', 'nbd-source' or 'nbd-destination' (see 'roost relay --help')"),
        };
        if (Options.Specs.Select(s => s.Name).FirstOrDefault(o => options.Has(o) && !_optionsOf[verb].Contains(o)) is { } stray)
        {
            throw new UsageException($"roost relay: --{stray} does not apply to '{verb}'");
        }

        var secret = ReadSecret(options.Get("secret-file") ?? throw new UsageException($"roost relay {verb}: --secret-file is required"));
        if (verb == "tamper")
        {
            return await TamperAsync(options, secret, cancellationToken).ConfigureAwait(false);
        }

        return verb switch
        {
            "source" => await SourceAsync(options, secret, cancellationToken).ConfigureAwait(false),
            "nbd-source" => await NbdSourceAsync(options, secret, cancellationToken).ConfigureAwait(false),
            "nbd-destination" => await NbdDestinationAsync(options, secret, cancellationToken).ConfigureAwait(false),
            _ => await DestinationAsync(options, secret, cancellationToken).ConfigureAwait(false),
        };
    }

    private static async Task<int> DestinationAsync(ParsedOptions options, byte[] secret, CancellationToken cancellationToken)
    {
        var listen = options.Get("listen") is { } l && IPAddress.TryParse(l, out var address)
            ? address
            : throw new UsageException("roost relay destination: --listen ADDRESS (an IP address) is required");
        var qemus = options.GetAll("qemu").Select(q => IPEndPoint.TryParse(q, out var e) && IPAddress.IsLoopback(e.Address) && e.Port > 0
            ? e
            : throw new UsageException($"roost relay destination: --qemu {q} is not a loopback ADDRESS:PORT")).ToList();
        if (qemus.Count == 0)
        {
            throw new UsageException("roost relay destination: at least one --qemu 127.0.0.1:PORT is required");
        }

        var pins = options.GetAll("pin").Select(CheckedFile).ToList();
        await using var relay = DestinationRelay.Start(listen, secret, qemus, pins, new RelayTimeouts(), TimeProvider.System);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"listening {new IPEndPoint(listen, relay.Port)}"));
        await Console.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
        RelayResult result;
        await using (cancellationToken.Register(() => _ = relay.AbortAsync("the relay process was interrupted")))
        {
            result = await relay.Completion.ConfigureAwait(false);
        }

        Console.WriteLine(JsonSerializer.Serialize(new { end = "destination", result.Completed, result.Failure, elapsedMs = (long)result.Elapsed.TotalMilliseconds, result.Traffic }, _json));
        return result.Completed ? 0 : 1;
    }

    private static async Task<int> TamperAsync(ParsedOptions options, byte[] secret, CancellationToken cancellationToken)
    {
        var listen = options.Get("listen") is { } l && IPAddress.TryParse(l, out var address)
            ? address
            : throw new UsageException("roost relay tamper: --listen ADDRESS (an IP address) is required");
        var to = options.Get("to") is { } t && IPEndPoint.TryParse(t, out var endpoint) && endpoint.Port > 0
            ? endpoint
            : throw new UsageException("roost relay tamper: --to ADDRESS:PORT is required");
        var fault = options.Get("fault") is { } f && RelayTamper.Faults.Contains(f)
            ? f
            : throw new UsageException("roost relay tamper: --fault corrupt|forge is required");
        await using var tamper = RelayTamper.Start(listen, to, secret, fault, options.GetInt("after-bytes", 1_000_000, min: 0));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"listening {new IPEndPoint(listen, tamper.Port)}"));
        await Console.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
        var spoiled = await tamper.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
        Console.WriteLine(spoiled ?? "tamper: the stream ended before a data frame was due to be spoiled");
        return spoiled is null ? 1 : 0;
    }

    private static async Task<int> SourceAsync(ParsedOptions options, byte[] secret, CancellationToken cancellationToken)
    {
        var to = options.Get("to") is { } t && IPEndPoint.TryParse(t, out var endpoint) && endpoint.Port > 0
            ? endpoint
            : throw new UsageException("roost relay source: --to ADDRESS:PORT is required");
        var codecOptions = CodecOptions(options, "roost relay source");
        var channels = options.GetInt("channels", 1, min: 1, max: 16);
        var sendBuffer = options.Has("send-buffer-kib") ? options.GetInt("send-buffer-kib", 0, min: 64, max: 65_536) * 1024 : 0;
        var qmpPath = options.Get("qmp");
        var smartStop = Switch(options, "smart-stop", qmpPath is not null);
        if (smartStop && qmpPath is null)
        {
            throw new UsageException("roost relay source: --smart-stop on needs --qmp SOCKET");
        }

        // QEMU connects over Unix sockets in an owner-only directory: no other local user can reach them, and little
        // of QEMU's stream can queue between QEMU and the relay (see SourceRelay).
        var sockets = Directory.CreateTempSubdirectory("roost-relay-");
        try
        {
            return await RunSourceAsync(to, secret, codecOptions, (channels, sendBuffer), smartStop ? qmpPath : null, sockets.FullName, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            sockets.Delete(recursive: true);
        }
    }

    private static async Task<int> RunSourceAsync(IPEndPoint to, byte[] secret, RelayCodecOptions codecOptions, (int Channels, int SendBuffer) link, string? qmpPath, string sockets, CancellationToken cancellationToken)
    {
        await using var relay = SourceRelay.Start(to, secret, codecOptions, link.Channels, new RelayTimeouts(), TimeProvider.System, sockets, link.SendBuffer);
        Console.WriteLine($"listening {string.Join(',', relay.QemuUris)}");
        await Console.Out.FlushAsync(cancellationToken).ConfigureAwait(false);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var rule = qmpPath is not null ? WatchAsync(qmpPath, () => relay.SentToPeer, stop.Token) : Task.FromResult<SmartStopDriver.Outcome?>(null);
        RelayResult result;
        await using (cancellationToken.Register(() => _ = relay.AbortAsync("the relay process was interrupted")))
        {
            result = await relay.Completion.ConfigureAwait(false);
        }

        await stop.CancelAsync().ConfigureAwait(false);
        var outcome = await rule.ConfigureAwait(false);
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            end = "source",
            result.Completed,
            result.Failure,
            elapsedMs = (long)result.Elapsed.TotalMilliseconds,
            result.Traffic,
            smartStop = outcome is null ? null : new { outcome.StoppedAtPass, outcome.Reason, passes = outcome.Rounds.Select(r => new { r.Number, r.DirtyBytes, startMs = (long)r.Start.TotalMilliseconds }) },
        }, _json));
        return result.Completed ? 0 : 1;
    }

    /// <summary>The smart stop over the source QEMU's QMP; a QMP failure only turns it off (the relay carries on).</summary>
    private static async Task<SmartStopDriver.Outcome?> WatchAsync(string qmpPath, Func<long> linkBytes, CancellationToken cancellationToken)
    {
        try
        {
            await using var qmp = await QmpClient.ConnectAsync(qmpPath, TimeProvider.System, TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
            return await SmartStopDriver.RunAsync(qmp, new SmartStopOptions(), TimeSpan.FromMilliseconds(100), TimeProvider.System, cancellationToken, linkBytes).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
        catch (QmpException e)
        {
            await Console.Error.WriteLineAsync($"roost relay source: smart stop off: {e.Message}").ConfigureAwait(false);
            return null;
        }
    }

    /// <summary>The relay codec from --dedup, --delta, --compression and --level (shared with <c>roost agent</c>).</summary>
    internal static RelayCodecOptions CodecOptions(ParsedOptions options, string who)
    {
        var codec = (options.Get("compression") ?? "zstd") switch
        {
            "zstd" => FrameCodec.Zstd,
            "lz4" => FrameCodec.Lz4,
            "none" => FrameCodec.None,
            var other => throw new UsageException($"{who}: --compression {other} is not zstd, lz4 or none"),
        };
        var codecOptions = new RelayCodecOptions
        {
            Deduplicate = Switch(options, "dedup", true),
            Delta = Switch(options, "delta", true),
            Compression = codec,
            CompressionLevel = options.GetInt("level", codec == FrameCodec.Zstd ? 3 : 0, min: 0, max: 19),
        };
        return codecOptions.Validate() is { } invalid ? throw new UsageException($"{who}: {invalid}") : codecOptions;
    }

    private static bool Switch(ParsedOptions options, string name, bool fallback) => options.Get(name) switch
    {
        null => fallback,
        "on" => true,
        "off" => false,
        var other => throw new UsageException($"roost: --{name} {other} is not on or off"),
    };

    /// <summary>A --pin file: a regular file (a FIFO or a device would block or never end the pinning).</summary>
    private static string CheckedFile(string path) => InputFile.KindOf(path) is var kind && kind == FileKind.Regular
        ? path
        : throw new UsageException($"roost relay destination: --pin {PrintableText.Escape(path)}: is {InputFile.Name(kind)}{InputFile.LinkNote(path)}, not a regular file");

    /// <summary>A shared secret file's bytes: a regular file (no link), mode 0600 or stricter, 32 to 4096 bytes; also <c>roost dr</c>'s replication key.</summary>
    internal static byte[] ReadSecret(string path, string verb = "relay")
    {
        var shown = PrintableText.Escape(path);
        if (new FileInfo(path).LinkTarget is not null)
        {
            throw new UsageException($"roost {verb}: --secret-file {shown}: is a symbolic link, not a regular file");
        }

        var secret = InputFile.Read(path, MaxSecretBytes) switch
        {
            InputFileResult.Read read => read.Bytes.ToArray(),
            InputFileResult.Refused refused => throw new UsageException($"roost {verb}: --secret-file {shown}: {refused.Reason}"),
            _ => throw new InvalidOperationException("unreachable"),
        };
        TokenFile.RefuseOpenToOthers($"roost {verb}: --secret-file", path);
        return secret.Length >= RelaySecrets.SecretBytes
            ? secret
            : throw new UsageException($"roost {verb}: --secret-file {shown}: holds {secret.Length} bytes, not {RelaySecrets.SecretBytes} to {MaxSecretBytes}");
    }
}
