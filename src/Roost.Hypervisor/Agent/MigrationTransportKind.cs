namespace Roost.Hypervisor.Agent;

/// <summary>
/// How an agent carries its outgoing migrations' streams: through Roost's relay at each end (CloudNet: deduplicated,
/// delta-encoded, compressed, authenticated with a per-migration secret) or QEMU's plain TCP stream.
/// </summary>
public enum MigrationTransportKind
{
    Relay,
    Tcp,
}
