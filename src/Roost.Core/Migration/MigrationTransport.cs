using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace Roost.Core.Migration;

/// <summary>
/// How the source's QEMU reaches the destination's. Closed set, and built by the source only: the host is the one of
/// the destination agent the source was asked to migrate to, the port the only thing the peer contributes (validated
/// 1..65535). No string from a peer ever becomes a QEMU URI, so <c>exec:</c>, <c>fd:</c>, <c>unix:</c>, <c>file:</c>,
/// <c>rdma:</c> and third hosts cannot be asked for. Through the CloudNet relays the same address is where the
/// source's relay connects (the driver's choice; QEMU then migrates to that relay's local socket).
/// </summary>
public abstract partial record MigrationTransport
{
    private MigrationTransport()
    {
    }

    /// <summary>The URI for QMP <c>migrate</c>.</summary>
    public abstract string ToQemuUri();

    /// <summary>A plain TCP stream to <paramref name="host"/>:<paramref name="port"/>, or one line saying which part is not allowed.</summary>
    public static bool TryTcp(string? host, long port, [NotNullWhen(true)] out MigrationTransport? transport, out string error)
    {
        transport = null;
        if (port is < 1 or > 65535)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"port {port} is not from 1 to 65535");
            return false;
        }

        var bare = host is ['[', .., ']'] ? host[1..^1] : host;
        if (string.IsNullOrEmpty(bare) || !(IPAddress.TryParse(bare, out _) && !bare.Contains('%', StringComparison.Ordinal) || HostNamePattern().IsMatch(bare)))
        {
            error = $"host '{host}' is not an IP address or a DNS name";
            return false;
        }

        error = "";
        transport = new Tcp(bare, (int)port);
        return true;
    }

    /// <summary>A TCP stream; <see cref="Host"/> is an IP literal (IPv6 without brackets) or a DNS name.</summary>
    public sealed record Tcp(string Host, int Port) : MigrationTransport
    {
        public override string ToQemuUri() => Host.Contains(':', StringComparison.Ordinal)
            ? string.Create(CultureInfo.InvariantCulture, $"tcp:[{Host}]:{Port}")
            : string.Create(CultureInfo.InvariantCulture, $"tcp:{Host}:{Port}");
    }

    [GeneratedRegex("^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")]
    private static partial Regex HostNamePattern();
}
