using System.Text;

namespace Roost.Bft.Net;

/// <summary>
/// A replica's deployment and key files, checked alike by <c>roost bft node|cluster</c> and <c>roost-bft-node</c>:
/// the text is read once (each caller with its own bounded reader, or <see cref="ReadText"/>) and what was read is what
/// is parsed and passed on; the key file must be owner-only. Every refusal is a one-line <see cref="ConfigException"/>.
/// </summary>
public static class ReplicaFiles
{
    /// <summary>Mode bits no key file may have: anything for the group or others.</summary>
    public const UnixFileMode OthersMode = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>The replica (agreement or execution) <paramref name="name"/> names in <paramref name="config"/>, else null.</summary>
    public static NodeId? Replica(DeploymentConfig config, string name)
    {
        ArgumentNullException.ThrowIfNull(config);
        return DeploymentConfig.TryParseNode(name, out var node) && node.Role != NodeRole.Client && config.Addresses.ContainsKey(node) ? node : null;
    }

    /// <summary>
    /// The keys of <paramref name="node"/> in <paramref name="text"/>, read from <paramref name="path"/> (shown as
    /// <paramref name="shown"/>): refused when the group or others may use the file.
    /// </summary>
    public static NodeKeys Keys(string path, string shown, string text, DeploymentConfig config, NodeId node)
    {
        if (!OperatingSystem.IsWindows())
        {
            UnixFileMode mode;
            try
            {
                mode = File.GetUnixFileMode(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ConfigException($"key file {shown}: cannot read its mode: {e.Message}");
            }

            if ((mode & OthersMode) != 0)
            {
                throw new ConfigException($"key file {shown}: other users can read or write it; it must be owner-only (chmod 600)");
            }
        }

        return NodeKeys.Parse(text, $"key file {shown}", config, node);
    }

    /// <summary>
    /// The text of the regular file <paramref name="path"/> (shown as <paramref name="shown"/>), at most
    /// <paramref name="maxBytes"/>: missing, too large or unreadable is refused.
    /// </summary>
    public static string ReadText(string path, string shown, int maxBytes)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                throw new ConfigException($"{shown}: no such file");
            }

            if (info.Length > maxBytes)
            {
                throw new ConfigException($"{shown}: larger than {maxBytes} bytes");
            }

            return File.ReadAllText(path, Encoding.UTF8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"{shown}: cannot read: {e.Message}");
        }
    }
}
