using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Roost.Core.Network;
using Roost.Hypervisor.Agent;
using Roost.Hypervisor.Images;
using Roost.Hypervisor.Lab;
using Roost.Hypervisor.Logging;
using Roost.Hypervisor.Network;
using Roost.Hypervisor.Qemu;

namespace Roost.Cli.Commands;

/// <summary><c>roost agent</c>: run the host agent (one per physical host) until Ctrl-C.</summary>
internal sealed partial class AgentCommand : ICommand
{
    private static readonly string[] _relayOptions = ["dedup", "delta", "compression", "level", "send-buffer-kib"];

    public string Name => "agent";

    public string Summary => "Run a host agent: QEMU VMs behind an HTTP/JSON API, with live migration";

    public OptionSet Options { get; } = new OptionSet(
            "roost agent --name NAME --listen HOST:PORT --capacity cpus=N,memory=MiB [--token-file F] [--accel auto|tcg|kvm] [--profile NAME[,NAME...]] [--network NAME=BRIDGE]... [--controller URL --vpc-site LAB:N]",
            "Runs VMs as QEMU processes and serves the agent API (OpenAPI at /openapi/v1.json). Every request needs\n"
            + "'Authorization: Bearer <token>'. Stop with Ctrl-C: every VM this agent runs is destroyed. With --controller and\n"
            + "--vpc-site it also keeps that site's kernel network at the controller's VPCs (root): at start, on every change, and\n"
            + "every 30 s (a hand edit is repaired), reporting each reconciliation to the controller.")
        .Add("name", "NAME", "Agent name (letters, digits, dashes, underscores)")
        .Add("listen", "HOST:PORT", "Address to serve on, e.g. 127.0.0.1:7001")
        .Add("capacity", "SPEC", "What VMs may reserve: cpus=N,memory=MiB")
        .Add("token-file", "F", "File holding the bearer token (default: generate one and write it beside the run directory)")
        .Add("accel", "MODE", "auto (probe KVM, else TCG), tcg or kvm (default auto)")
        .Add("qemu", "PATH", "QEMU binary (default qemu-system-x86_64)")
        .Add("network", "NAME=BRIDGE", "A network its VMs may join: a VM's NIC on network NAME gets a tap on the existing bridge BRIDGE (repeatable; default none)", repeatable: true)
        .Add("profile", "NAME[,NAME...]", $"Guest image profiles its VMs may boot ({string.Join(", ", GuestImageBuilder.Profiles)}; a VM names one with \"image\", else it boots the first; default minimal)")
        .Add("mergeable-memory", "on|off", "Guest RAM as private memory Linux KSM may merge, read through /proc/PID/mem (default off: a /dev/shm file)")
        .Add("memory-overcommit", "R", "With --mergeable-memory on: admit VMs reserving up to R times the declared memory, 1 to 2 (default 1), relying on KSM to merge equal pages (the controller still places against the declared capacity, crediting sharing)")
        .Add("migration-transport", "relay|tcp", "Outgoing migrations through Roost's relay (deduplicated, delta, compressed; default) or QEMU's plain TCP")
        .Add("migration-pins", "image|residents|off", "Incoming migrations: pages the destination relay offers as held, so the source sends them as digests: the image's kernel and initrd (default), also its running guests' RAM (residents: the source can then test guessed pages against them, see docs/security.md), or none")
        .Add("dedup", "on|off", "relay: send pages the destination holds as digests (default on)")
        .Add("delta", "on|off", "relay: send re-sent pages as XOR deltas (default on)")
        .Add("compression", "zstd|lz4|none", "relay: frame compression (default zstd)")
        .Add("level", "N", "relay: compression level (zstd 1-19, lz4 0 or 3-12; default 3 for zstd, 0 for lz4)")
        .Add("send-buffer-kib", "N", "relay: the link socket's send buffer, 64 to 65536 KiB, about 2 x bandwidth x RTT (default: the kernel's autotuning, at most 256 KiB unsent)")
        .Add("controller", "URL", "The controller whose VPC intent this agent applies to its site (with --vpc-site)")
        .Add("controller-token-file", "F", "The token it presents to the controller (default: its own, which the controller knows from --agent-token-file)")
        .Add("vpc-site", "LAB:N", "The site whose kernel network this agent keeps: site N of the lab LAB ('roost lab wan up')")
        .Add(ServerLog.OptionName, "text|json", ServerLog.OptionDescription);

    public async Task<int> RunAsync(ParsedOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.RejectPositional();
        var logFormat = ServerLog.Format(options);
        var name = Required(options, "name");
        if (!NamePattern().IsMatch(name))
        {
            throw new UsageException($"roost agent: --name '{name}' must be 1 to 32 letters, digits, dashes or underscores");
        }

        var listen = Required(options, "listen");
        if (!ListenPattern().IsMatch(listen))
        {
            throw new UsageException($"roost agent: --listen '{listen}' is not HOST:PORT");
        }

        if (!AgentCapacity.TryParse(Required(options, "capacity"), out var capacity, out var capacityError))
        {
            throw new UsageException($"roost agent: --{capacityError}");
        }

        var transport = options.Get("migration-transport") switch
        {
            null or "relay" => MigrationTransportKind.Relay,
            "tcp" => MigrationTransportKind.Tcp,
            var other => throw new UsageException($"roost agent: --migration-transport '{other}' is not relay or tcp"),
        };
        if (transport == MigrationTransportKind.Tcp && _relayOptions.FirstOrDefault(options.Has) is { } unused)
        {
            throw new UsageException($"roost agent: --{unused} applies to the relay, not to --migration-transport tcp");
        }

        var mergeable = options.Get("mergeable-memory") switch
        {
            null or "off" => false,
            "on" => true,
            var other => throw new UsageException($"roost agent: --mergeable-memory '{other}' is not on or off"),
        };
        var pins = options.Get("migration-pins") switch
        {
            null or "image" => MigrationPins.Image,
            "residents" => MigrationPins.Residents,
            "off" => MigrationPins.Off,
            var other => throw new UsageException($"roost agent: --migration-pins '{other}' is not image, residents or off"),
        };
        var codec = RelayCommand.CodecOptions(options, "roost agent");
        var overcommit = options.GetDouble("memory-overcommit", 1, min: 1, max: AgentOptions.MaxMemoryOvercommit);
        if (overcommit > 1 && !mergeable)
        {
            throw new UsageException("roost agent: --memory-overcommit above 1 needs --mergeable-memory on (KSM's merging is what backs it)");
        }

        // Every profile is checked before any image is built (a build takes minutes).
        var profiles = (options.Get("profile") ?? "minimal").Split(',', StringSplitOptions.TrimEntries);
        if (profiles.Distinct(StringComparer.Ordinal).Count() != profiles.Length)
        {
            throw new UsageException($"roost agent: --profile '{options.Get("profile")}': give each profile once");
        }

        if (profiles.FirstOrDefault(p => GuestProfile.Find(p) is null) is { } unknown)
        {
            throw new UsageException($"roost agent: --profile '{unknown}' is not a guest profile ({string.Join(", ", GuestImageBuilder.Profiles)})");
        }

        var sendBuffer = options.Has("send-buffer-kib") ? options.GetInt("send-buffer-kib", 0, min: 64, max: 65_536) * 1024 : 0;
        var runDirectory = Path.Combine(Path.GetTempPath(), "roost", name);
        var token = ReadOrCreateToken(options.Get("token-file"), runDirectory, logFormat);
        var qemu = options.Get("qemu") ?? "qemu-system-x86_64";

        var images = new List<GuestImage>();
        foreach (var profile in profiles)
        {
            images.Add(await new GuestImageBuilder(GuestImageBuilder.DefaultCacheRoot()).BuildAsync(profile, cancellationToken, BftGuestPayload.For(profile)).ConfigureAwait(false) switch
            {
                ImageBuildResult.Built built => built.Image,
                ImageBuildResult.Failed failed => throw new UsageException($"roost agent: guest image {profile}: {failed.Reason}", 1),
                _ => throw new InvalidOperationException("unreachable"),
            });
        }

        var image = images[0];
        var accelerator = options.Get("accel") switch
        {
            null or "auto" => await AcceleratorProbe.DetectAsync(qemu, image, runDirectory, TimeProvider.System, cancellationToken).ConfigureAwait(false),
            "tcg" => Accelerator.Tcg,
            "kvm" => Accelerator.Kvm,
            var other => throw new UsageException($"roost agent: --accel '{other}' is not auto, tcg or kvm"),
        };

        var networks = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var network in options.GetAll("network"))
        {
            var equals = network.IndexOf('=', StringComparison.Ordinal);
            var (networkName, bridge) = equals < 0 ? (network, "") : (network[..equals], network[(equals + 1)..]);
            if (!GuestNic.IsValidNetworkName(networkName) || !Roost.Core.Network.SiteFabric.IsInterfaceName(bridge) || !networks.TryAdd(networkName, bridge))
            {
                throw new UsageException($"roost agent: --network '{network}' is not NAME=BRIDGE (NAME 1 to 32 lower-case letters, digits or dashes, given once; BRIDGE an interface name of 1 to 15 letters, digits, '-' or '_')");
            }

            if (!Directory.Exists(Path.Combine("/sys/class/net", bridge, "bridge")))
            {
                throw new UsageException($"roost agent: --network '{network}': there is no bridge '{bridge}' in this network namespace");
            }
        }

        var followed = SiteNetwork(options, token);
        var agentOptions = new AgentOptions(name, capacity, token, image, accelerator, qemu, runDirectory)
        {
            Networks = networks,
            MergeableMemory = mergeable,
            MemoryOvercommit = overcommit,
            ExtraImages = images[1..],
            MigrationHost = listen[..listen.LastIndexOf(':')],
            MigrationTransport = transport,
            MigrationPins = pins,
            RelayCodec = codec,
            RelaySendBufferBytes = sendBuffer,
            LogFormat = logFormat,
        };
        AgentServer server;
        try
        {
            server = await AgentServer.StartAsync(agentOptions, listen, TimeProvider.System, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw new UsageException($"roost agent: cannot listen on {listen}: {e.Message}", 1);
        }

        using var stopNetwork = new CancellationTokenSource();
        var following = Task.CompletedTask;
        await using (server.ConfigureAwait(false))
        {
            ServerLog.Status(logFormat, "agent", $"agent {name} listening on {server.BaseAddress} ({accelerator.ToString().ToUpperInvariant()}, capacity {capacity}, image{(images.Count > 1 ? "s" : "")} {string.Join(", ", images.Select(i => i.Profile))}, kernel {image.KernelRelease}{(mergeable ? ", mergeable memory" : "")}{(overcommit > 1 ? $", memory overcommit {overcommit.ToString(System.Globalization.CultureInfo.InvariantCulture)}" : "")})");
            if (followed is { } site)
            {
                ServerLog.Status(logFormat, "agent", $"agent {name}: keeping site {site.Fabric.Site}'s network at {site.Controller}'s VPCs");
                following = Task.Run(() => site.Agent.RunAsync(stopNetwork.Token), CancellationToken.None);
            }

            try
            {
                // Returns on SIGTERM (the host's console lifetime) or Ctrl-C (the token).
                await server.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }

            await stopNetwork.CancelAsync().ConfigureAwait(false);
            await following.ConfigureAwait(false);
            followed?.Client.Dispose();

            ServerLog.Status(logFormat, "agent", $"agent {name}: stopping, destroying its VMs");
        }

        return 0;
    }

    private sealed record FollowedSite(SiteFabric Fabric, Uri Controller, ControllerNetworkClient Client, SiteNetworkAgent Agent);

    /// <summary>The site network this agent keeps (--controller, --vpc-site), or null when it keeps none.</summary>
    private static FollowedSite? SiteNetwork(ParsedOptions options, string ownToken)
    {
        var (controllerText, siteText) = (options.Get("controller"), options.Get("vpc-site"));
        if (controllerText is null && siteText is null)
        {
            if (options.Has("controller-token-file"))
            {
                throw new UsageException("roost agent: --controller-token-file needs --controller and --vpc-site");
            }

            return null;
        }

        if (controllerText is null || siteText is null)
        {
            throw new UsageException("roost agent: --controller and --vpc-site go together (the controller whose VPCs this agent applies, and to which site)");
        }

        if (!AgentUrl.TryParse(controllerText, out var controller))
        {
            throw new UsageException($"roost agent: --controller '{controllerText}' is not a URL like http://127.0.0.1:7070/ (no user info, query or fragment)");
        }

        var colon = siteText.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(siteText.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number))
        {
            throw new UsageException($"roost agent: --vpc-site '{siteText}' is not LAB:N (a lab's name and a site number, e.g. vpce:1)");
        }

        if (!LabName.TryParse(siteText[..colon], out var lab, out var labError))
        {
            throw new UsageException($"roost agent: --vpc-site: {labError}");
        }

        if (WanLab.FindUp(lab.Value, new LabStateStore(LabStateStore.DefaultDirectory), TimeProvider.System) is not { } up)
        {
            throw new UsageException($"roost agent: --vpc-site: lab '{lab}' is not up (see 'roost lab wan status')");
        }

        if (!up.Layout.SiteNumbers.Contains(number))
        {
            throw new UsageException($"roost agent: --vpc-site {siteText}: lab '{lab}' has sites 1 to {up.Layout.Options.Sites}");
        }

        var token = options.Get("controller-token-file") is { } file ? TokenFile.Read("roost agent: --controller-token-file", file) : ownToken;
        var fabric = LabFabric.For(up.Layout, number);
        var client = new ControllerNetworkClient(controller, token);
        return new FollowedSite(fabric, controller, client, new SiteNetworkAgent(fabric, up.Layout.SiteNamespace(number), client, SiteSyncSettings.Default, TimeProvider.System, Console.Out));
    }

    private static string Required(ParsedOptions options, string name) =>
        options.Get(name) ?? throw new UsageException($"roost agent: --{name} is required (see 'roost agent --help')");

    private static string ReadOrCreateToken(string? tokenFile, string runDirectory, LogFormat logFormat)
    {
        if (tokenFile is not null)
        {
            return TokenFile.Read("roost agent: --token-file", tokenFile);
        }

        var generated = RandomNumberGenerator.GetHexString(32, lowercase: true);
        var path = runDirectory + ".token";
        Directory.CreateDirectory(Path.GetDirectoryName(path) ?? ".");
        File.WriteAllText(path, generated + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        ServerLog.Status(logFormat, "agent", $"token written to {path}");
        return generated;
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,32}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^[A-Za-z0-9.\-\[\]:]+:[0-9]{1,5}$")]
    private static partial Regex ListenPattern();
}
