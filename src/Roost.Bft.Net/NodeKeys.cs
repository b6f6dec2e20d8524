using System.Security.Cryptography;
using System.Text;
using Roost.Bft.Crypto;

namespace Roost.Bft.Net;

/// <summary>
/// A node's secrets, one owner-only file per node (<c>NAME.keys</c>): the HMAC key it shares with each peer and no
/// other pair's, and for agreement replicas their ECDSA P-256 signing key and every agreement replica's public key
/// (view changes are signed). Lines: <c>node a0</c>, <c>pair a1 HEX</c>, <c>sign BASE64-PKCS8</c>,
/// <c>verify a1 BASE64-SPKI</c>. <see cref="Generate"/> writes a whole deployment's files from fresh randomness.
/// </summary>
public sealed class NodeKeys
{
    public const int MaxBytes = 256 * 1024;

    private NodeKeys(NodeId self, Keyring keyring, ISignatureScheme? signatures)
    {
        Self = self;
        Keyring = keyring;
        Signatures = signatures;
    }

    public NodeId Self { get; }

    public Keyring Keyring { get; }

    /// <summary>The signature scheme of an agreement replica; null for other nodes.</summary>
    public ISignatureScheme? Signatures { get; }

    public static string FileName(NodeId node) => $"{node}.keys";

    /// <summary>Writes every node's key file (0600) into <paramref name="directory"/> (created 0700).</summary>
    public static void Generate(DeploymentConfig config, string directory)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var secret = RandomNumberGenerator.GetBytes(32);
        var all = new Keyring(secret);
        var signing = new Dictionary<NodeId, ECDsa>();
        try
        {
            foreach (var node in config.Nodes.Where(n => n.Role == NodeRole.Agreement))
            {
                signing[node] = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            }

            foreach (var node in config.Nodes)
            {
                var text = new StringBuilder();
                text.Append("# roost bft keys of ").Append(node).Append(": secret, owner-only\n");
                text.Append("node ").Append(node).Append('\n');
                foreach (var peer in config.PeersOf(node))
                {
                    text.Append("pair ").Append(peer).Append(' ').Append(Convert.ToHexStringLower(all.PairKey(node, peer))).Append('\n');
                }

                if (signing.TryGetValue(node, out var own))
                {
                    text.Append("sign ").Append(Convert.ToBase64String(own.ExportPkcs8PrivateKey())).Append('\n');
                    foreach (var (replica, key) in signing.OrderBy(p => p.Key.Index))
                    {
                        text.Append("verify ").Append(replica).Append(' ').Append(Convert.ToBase64String(key.ExportSubjectPublicKeyInfo())).Append('\n');
                    }
                }

                var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
                if (!OperatingSystem.IsWindows())
                {
                    options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                }

                var path = Path.Combine(directory, FileName(node));
                using var stream = new FileStream(path, options);
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(stream.SafeFileHandle, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }

                stream.Write(Encoding.ASCII.GetBytes(text.ToString()));
            }
        }
        finally
        {
            foreach (var key in signing.Values)
            {
                key.Dispose();
            }
        }
    }

    /// <summary>Reads <paramref name="self"/>'s keys; every peer the config names must have its pair key.</summary>
    public static NodeKeys Parse(string text, string where, DeploymentConfig config, NodeId self)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(config);
        NodeId? owner = null;
        var pairs = new Dictionary<NodeId, byte[]>();
        var verify = new Dictionary<NodeId, ECDsa>();
        ECDsa? sign = null;
        var lines = text.Split('\n');
        try
        {
            for (var i = 0; i < lines.Length; i++)
            {
                var at = $"{where}: line {i + 1}";
                var line = lines[i].TrimEnd('\r');
                if (line.Length == 0 || line[0] == '#')
                {
                    continue;
                }

                var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                switch (words)
                {
                    case ["node", var name]:
                        owner = DeploymentConfig.TryParseNode(name, out var node) ? node : throw new ConfigException($"{at}: '{DeploymentConfig.Printable(name)}' is not a node name");
                        break;
                    case ["pair", var name, var hex]:
                        var peer = Node(name, at);
                        pairs[peer] = TryHex(hex, out var key) && key.Length == 32 ? key : throw new ConfigException($"{at}: the key of {peer} is not 64 hexadecimal digits");
                        break;
                    case ["sign", var base64]:
                        sign?.Dispose();
                        sign = ImportKey(base64, at, isPrivate: true);
                        break;
                    case ["verify", var name, var base64]:
                        var replica = Node(name, at);
                        if (verify.Remove(replica, out var old))
                        {
                            old.Dispose();
                        }

                        verify[replica] = ImportKey(base64, at, isPrivate: false);
                        break;
                    default:
                        throw new ConfigException($"{at}: not a 'node', 'pair', 'sign' or 'verify' line");
                }
            }

            if (owner != self)
            {
                throw new ConfigException($"{where}: holds the keys of {(owner is { } o ? o.ToString() : "no node")}, not of {self}");
            }

            foreach (var peer in config.PeersOf(self))
            {
                if (!pairs.ContainsKey(peer))
                {
                    throw new ConfigException($"{where}: no key for the pair {self} and {peer}");
                }
            }

            ISignatureScheme? signatures = null;
            if (self.Role == NodeRole.Agreement)
            {
                var own = sign ?? throw new ConfigException($"{where}: an agreement replica needs its 'sign' key");
                for (var i = 0; i < config.Options.AgreementReplicas; i++)
                {
                    if (!verify.ContainsKey(NodeId.Agreement(i)))
                    {
                        throw new ConfigException($"{where}: no public key ('verify') of a{i}");
                    }
                }

                signatures = new EcdsaSignatures(own, verify);
                sign = null;
                verify = [];
            }

            return new NodeKeys(self, Keyring.ForPairs(self, pairs.Where(p => p.Key != self)), signatures);
        }
        finally
        {
            sign?.Dispose();
            foreach (var key in verify.Values)
            {
                key.Dispose();
            }
        }
    }

    private static NodeId Node(string name, string at) =>
        DeploymentConfig.TryParseNode(name, out var node) ? node : throw new ConfigException($"{at}: '{DeploymentConfig.Printable(name)}' is not a node name");

    private static bool TryHex(string text, out byte[] bytes)
    {
        bytes = [];
        if (text.Length % 2 != 0 || !text.All(Uri.IsHexDigit))
        {
            return false;
        }

        bytes = Convert.FromHexString(text);
        return true;
    }

    private static ECDsa ImportKey(string base64, string at, bool isPrivate)
    {
        var key = ECDsa.Create();
        try
        {
            var bytes = Convert.FromBase64String(base64);
            if (isPrivate)
            {
                key.ImportPkcs8PrivateKey(bytes, out _);
            }
            else
            {
                key.ImportSubjectPublicKeyInfo(bytes, out _);
            }

            if (key.KeySize != 256)
            {
                throw new ConfigException($"{at}: the key is not ECDSA P-256");
            }

            return key;
        }
        catch (Exception e) when (e is FormatException or CryptographicException)
        {
            key.Dispose();
            throw new ConfigException($"{at}: not a base64 {(isPrivate ? "PKCS#8 private" : "SubjectPublicKeyInfo public")} ECDSA key");
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }
}
