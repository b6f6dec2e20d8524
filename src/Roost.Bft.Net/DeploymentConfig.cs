using System.Globalization;
using System.Net;

namespace Roost.Bft.Net;

/// <summary>
/// A deployment on real sockets: f, the execution mode, the replicated service and every node's TCP address. Text,
/// one statement per line, '#' starts a comment:
/// <code>
/// f 1
/// mode zz                                   # zz (f+1 active executors, f frozen sleepers) or all (2f+1 active)
/// service hash-chain objects=1024 object-bytes=4096   # or 'service null': empty requests, empty results
/// agreement a0 127.0.0.1:7000               # 3f+1 of them, a0 .. a3f
/// execution e0 127.0.0.1:7100 agent 127.0.0.1:7200   # 2f+1, e0 .. e2f; the agent address thaws a frozen sleeper
/// client c0 127.0.0.1:7300                  # at least one
/// timing view-change=2000 execution-watch=500 client-retransmit=1000 retransmit=50 resume=5   # ms; optional
/// </code>
/// <see cref="Parse"/> is the one place it is checked; a problem is one <see cref="ConfigException"/> line naming the
/// file, the line and what is wrong. Addresses are IP literals (no name is resolved) and all distinct.
/// </summary>
public sealed record DeploymentConfig(BftOptions Options, ServiceSpec Service, IReadOnlyDictionary<NodeId, IPEndPoint> Addresses, IReadOnlyDictionary<int, IPEndPoint> Agents)
{
    /// <summary>Far more than a deployment of f = 3 with many clients needs.</summary>
    public const int MaxBytes = 256 * 1024;

    public const int MaxClients = 1024;

    public IEnumerable<NodeId> Nodes => Addresses.Keys.OrderBy(n => n.Role).ThenBy(n => n.Index);

    public int Clients => Addresses.Keys.Count(n => n.Role == NodeRole.Client);

    /// <summary>Every node that talks to <paramref name="node"/>: the pairs whose keys its key file holds.</summary>
    public IEnumerable<NodeId> PeersOf(NodeId node) => Nodes.Where(n => n != node && !(n.Role == NodeRole.Client && node.Role == NodeRole.Client));

    public static DeploymentConfig Parse(string text, string where)
    {
        ArgumentNullException.ThrowIfNull(text);
        int? f = null;
        var mode = ExecutionMode.Zz;
        var options = new BftOptions();
        ServiceSpec? service = null;
        var addresses = new Dictionary<NodeId, IPEndPoint>();
        var agents = new Dictionary<int, IPEndPoint>();
        var used = new Dictionary<IPEndPoint, string>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var at = $"{where}: line {i + 1}";
            var line = lines[i];
            var hash = line.IndexOf('#', StringComparison.Ordinal);
            var words = (hash >= 0 ? line[..hash] : line).Split([' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries);
            if (words.Length == 0)
            {
                continue;
            }

            switch (words[0])
            {
                case "f":
                    Expect(words, 2, at, "f N");
                    f = int.TryParse(words[1], NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value is >= 1 and <= 3
                        ? value
                        : throw new ConfigException($"{at}: f '{Printable(words[1])}' is not 1, 2 or 3");
                    break;
                case "mode":
                    Expect(words, 2, at, "mode zz|all");
                    mode = words[1] switch
                    {
                        "zz" => ExecutionMode.Zz,
                        "all" => ExecutionMode.AllActive,
                        _ => throw new ConfigException($"{at}: mode '{Printable(words[1])}' is not zz or all"),
                    };
                    break;
                case "timing":
                    options = Timing(options, words, at);
                    break;
                case "service":
                    service = ServiceSpec.Parse(words, at);
                    break;
                case "agreement" or "execution" or "client":
                    var role = words[0] switch { "agreement" => NodeRole.Agreement, "execution" => NodeRole.Execution, _ => NodeRole.Client };
                    if (words.Length != 3 && !(role == NodeRole.Execution && words.Length == 5 && words[3] == "agent"))
                    {
                        throw new ConfigException($"{at}: expected '{words[0]} NAME ADDRESS:PORT'{(role == NodeRole.Execution ? " [agent ADDRESS:PORT]" : "")}");
                    }

                    var node = TryParseNode(words[1], out var id) && id.Role == role
                        ? id
                        : throw new ConfigException($"{at}: '{Printable(words[1])}' is not a {words[0]} node name ({words[0][0]}0, {words[0][0]}1, ...)");
                    if (addresses.ContainsKey(node))
                    {
                        throw new ConfigException($"{at}: {node} is declared twice");
                    }

                    addresses[node] = Address(words[2], at, node.ToString(), used);
                    if (words.Length == 5)
                    {
                        agents[node.Index] = Address(words[4], at, $"the agent of {node}", used);
                    }

                    break;
                default:
                    throw new ConfigException($"{at}: '{Printable(words[0])}' is not a statement (f, mode, service, timing, agreement, execution, client)");
            }
        }

        var faults = f ?? throw new ConfigException($"{where}: no 'f N' line");
        options = options with { F = faults, Mode = mode };
        if (options.Validate() is { } problem)
        {
            throw new ConfigException($"{where}: {problem}");
        }

        Complete(addresses, NodeRole.Agreement, options.AgreementReplicas, where);
        Complete(addresses, NodeRole.Execution, options.ExecutionReplicas, where);
        var clients = addresses.Keys.Count(n => n.Role == NodeRole.Client);
        if (clients is < 1 or > MaxClients)
        {
            throw new ConfigException($"{where}: {clients} clients; from 1 to {MaxClients} (c0, c1, ...)");
        }

        Complete(addresses, NodeRole.Client, clients, where);
        return new DeploymentConfig(options, service ?? new ServiceSpec(1024, 64), addresses, agents);
    }

    /// <summary>Parses a node name (a0, e2, c17) as the config and the command line spell it.</summary>
    public static bool TryParseNode(string text, out NodeId node)
    {
        ArgumentNullException.ThrowIfNull(text);
        node = default;
        if (text.Length < 2 || text.Length > 6 || !int.TryParse(text.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var index) || index > ushort.MaxValue)
        {
            return false;
        }

        NodeRole? role = text[0] switch { 'a' => NodeRole.Agreement, 'e' => NodeRole.Execution, 'c' => NodeRole.Client, _ => null };
        if (role is null || text != $"{text[0]}{index.ToString(CultureInfo.InvariantCulture)}")
        {
            return false;
        }

        node = new NodeId(role.Value, index);
        return true;
    }

    /// <summary>A name or value from a file or the command line, safe to print in one line.</summary>
    internal static string Printable(string text) =>
        text.Length > 40 || text.Any(c => char.IsControl(c) || c > '~') ? string.Concat(text.Take(40).Select(c => c is >= ' ' and <= '~' ? c : '?')) + (text.Length > 40 ? "..." : "") : text;

    private static BftOptions Timing(BftOptions options, string[] words, string at)
    {
        foreach (var word in words.Skip(1))
        {
            var eq = word.IndexOf('=', StringComparison.Ordinal);
            var (key, value) = eq > 0 ? (word[..eq], word[(eq + 1)..]) : (word, "");
            if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) || ms is < 1 or > 600_000)
            {
                throw new ConfigException($"{at}: '{Printable(word)}' is not NAME=MILLISECONDS (1 to 600000)");
            }

            var span = TimeSpan.FromMilliseconds(ms);
            options = key switch
            {
                "view-change" => options with { ViewChangeTimeout = span },
                "execution-watch" => options with { ExecutionWatchInterval = span },
                "client-retransmit" => options with { ClientRetransmit = span },
                "retransmit" => options with { RetransmitInterval = span },
                "resume" => options with { ResumeDelay = span },
                _ => throw new ConfigException($"{at}: '{Printable(key)}' is not a timing (view-change, execution-watch, client-retransmit, retransmit, resume)"),
            };
        }

        return options;
    }

    private static void Expect(string[] words, int count, string at, string form)
    {
        if (words.Length != count)
        {
            throw new ConfigException($"{at}: expected '{form}'");
        }
    }

    private static IPEndPoint Address(string text, string at, string what, Dictionary<IPEndPoint, string> used)
    {
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !IPAddress.TryParse(text.AsSpan(0, colon), out var ip) || ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork
            || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new ConfigException($"{at}: '{Printable(text)}' is not an IPv4 address and port (127.0.0.1:7000)");
        }

        var endpoint = new IPEndPoint(ip, port);
        if (used.TryGetValue(endpoint, out var other))
        {
            throw new ConfigException($"{at}: {endpoint} of {what} is already the address of {other}");
        }

        used[endpoint] = what;
        return endpoint;
    }

    private static void Complete(Dictionary<NodeId, IPEndPoint> addresses, NodeRole role, int count, string where)
    {
        var declared = addresses.Keys.Where(n => n.Role == role).ToList();
        for (var i = 0; i < count; i++)
        {
            if (!addresses.ContainsKey(new NodeId(role, i)))
            {
                throw new ConfigException($"{where}: {new NodeId(role, i)} is missing ({count} {role.ToString().ToLowerInvariant()} nodes are needed, numbered from 0)");
            }
        }

        if (declared.Count > count)
        {
            var extra = declared.Where(n => n.Index >= count).OrderBy(n => n.Index).First();
            throw new ConfigException($"{where}: {extra} is one too many (f gives {count} {role.ToString().ToLowerInvariant()} nodes)");
        }
    }
}
