using Roost.Core.Migration.Stream;
using Roost.Hypervisor.Relay;

namespace Roost.Hypervisor.Tests.Relay;

/// <summary>What the relay tests on loopback share: short timeouts and a seeded per-migration secret.</summary>
internal static class RelayTestKit
{
    public static readonly RelayTimeouts Quick = new()
    {
        Connect = TimeSpan.FromSeconds(10),
        Handshake = TimeSpan.FromSeconds(10),
        Write = TimeSpan.FromSeconds(3),
        Idle = TimeSpan.FromSeconds(4),
    };

    public static byte[] Secret(int seed)
    {
        var secret = new byte[RelaySecrets.SecretBytes];
        new Random(seed).NextBytes(secret);
        return secret;
    }
}
