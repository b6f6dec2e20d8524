using Roost.Hypervisor.Qemu;

namespace Roost.Hypervisor.Disk;

/// <summary>
/// A destination QEMU on this host (tests, experiments): its disk is exported on a Unix socket at
/// <paramref name="socketPath"/> (in an owner-only directory, checked) under the export name <see cref="ExportName"/>;
/// discarding destroys the incoming QEMU, which deletes its disk and RAM files. <paramref name="beforeClose"/> waits for
/// what must end before the export closes (a relay delivering the client's last requests).
/// </summary>
public sealed class LocalDiskDestination(QemuVm incoming, string socketPath, Func<CancellationToken, Task>? beforeClose = null) : IDiskDestination
{
    public const string ExportName = "roost-disk";

    public string SocketPath => socketPath;

    public async Task ExportAsync(CancellationToken cancellationToken)
    {
        // The export is writable by whoever can connect, and QEMU makes the socket with its umask.
        PrivateFiles.RequireOwnerOnlyDirectory(Path.GetDirectoryName(Path.GetFullPath(socketPath)) ?? "/");
        await incoming.Qmp.NbdServerStartUnixAsync(socketPath, cancellationToken).ConfigureAwait(false);
        await incoming.Qmp.BlockExportAddAsync(QemuLaunch.DiskNode, ExportName, writable: true, cancellationToken).ConfigureAwait(false);
    }

    public async Task CloseExportAsync(CancellationToken cancellationToken)
    {
        if (beforeClose is not null)
        {
            await beforeClose(cancellationToken).ConfigureAwait(false);
        }

        await incoming.Qmp.NbdServerStopAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task DiscardAsync(CancellationToken cancellationToken) => await incoming.DisposeAsync().ConfigureAwait(false);
}
