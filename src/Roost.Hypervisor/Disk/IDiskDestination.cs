namespace Roost.Hypervisor.Disk;

/// <summary>
/// What a disk migration asks of the destination (a peer agent, or a QEMU on this host in tests and experiments).
/// Each call throws <see cref="IOException"/> or a QEMU/QMP exception with one line when it fails.
/// </summary>
public interface IDiskDestination
{
    /// <summary>Export the incoming VM's empty disk over NBD, writable.</summary>
    Task ExportAsync(CancellationToken cancellationToken);

    /// <summary>The copy is whole: stop the NBD server (before the guest may run there).</summary>
    Task CloseExportAsync(CancellationToken cancellationToken);

    /// <summary>The migration is abandoned: stop exporting and delete the partial disk.</summary>
    Task DiscardAsync(CancellationToken cancellationToken);
}
