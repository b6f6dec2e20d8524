using Roost.Core.Migration.Stream;
using Roost.Hypervisor.Relay;

namespace Roost.Hypervisor.Agent;

/// <summary>
/// How an outgoing migration's stream goes through the source's relay: the codec, the relay's timeouts and link send
/// buffer, and the owner-only directory where the relay's Unix socket for the source's QEMU is made.
/// </summary>
internal sealed record SourceRelayPlan(RelayCodecOptions Codec, RelayTimeouts Timeouts, int SendBufferBytes, string SocketDirectory);
