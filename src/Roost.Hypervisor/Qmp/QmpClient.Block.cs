using System.Text.Json.Nodes;

namespace Roost.Hypervisor.Qmp;

/// <summary>
/// The block commands of a disk migration (QEMU QMP reference, "Block devices" and "Block exports"): the destination
/// exports its empty disk over NBD, the source mirrors its disk into it. Every name and path comes from the agent
/// (the disk's node name, a socket in an owner-only directory), never from a peer; the NBD server listens only on a
/// Unix socket (it has no authentication: over TCP anyone who reaches the port could write the disk).
/// </summary>
public sealed partial class QmpClient
{
    /// <summary><c>nbd-server-start</c> listening on a Unix socket at <paramref name="socketPath"/>.</summary>
    public Task NbdServerStartUnixAsync(string socketPath, CancellationToken cancellationToken) =>
        ExecuteAsync("nbd-server-start", new JsonObject
        {
            // nbd-server-start takes the legacy socket address: the fields under "data".
            ["addr"] = new JsonObject { ["type"] = "unix", ["data"] = new JsonObject { ["path"] = socketPath } },
        }, cancellationToken);

    /// <summary><c>nbd-server-stop</c>: closes the NBD server and every export.</summary>
    public Task NbdServerStopAsync(CancellationToken cancellationToken) => ExecuteAsync("nbd-server-stop", null, cancellationToken);

    /// <summary><c>block-export-add</c>: exports block node <paramref name="nodeName"/> over the running NBD server as <paramref name="exportName"/>.</summary>
    public Task BlockExportAddAsync(string nodeName, string exportName, bool writable, CancellationToken cancellationToken) =>
        ExecuteAsync("block-export-add", new JsonObject
        {
            ["type"] = "nbd",
            ["id"] = exportName,
            ["node-name"] = nodeName,
            ["name"] = exportName,
            ["writable"] = writable,
        }, cancellationToken);

    /// <summary><c>blockdev-add</c> of an NBD client node <paramref name="nodeName"/> for export <paramref name="exportName"/> at a Unix socket.</summary>
    public Task BlockdevAddNbdUnixAsync(string nodeName, string socketPath, string exportName, CancellationToken cancellationToken) =>
        ExecuteAsync("blockdev-add", new JsonObject
        {
            ["driver"] = "nbd",
            ["node-name"] = nodeName,
            ["server"] = new JsonObject { ["type"] = "unix", ["path"] = socketPath },
            ["export"] = exportName,
        }, cancellationToken);

    /// <summary><c>blockdev-del</c>: removes a node no device or job uses any more.</summary>
    public Task BlockdevDelAsync(string nodeName, CancellationToken cancellationToken) =>
        ExecuteAsync("blockdev-del", new JsonObject { ["node-name"] = nodeName }, cancellationToken);

    /// <summary>
    /// <c>blockdev-mirror</c> of <paramref name="device"/> into the existing node <paramref name="target"/>, whole
    /// (<c>sync=full</c>). With <paramref name="writeBlocking"/> every guest write also reaches the target before it
    /// completes once the job is ready (<c>copy-mode=write-blocking</c>): the target then never falls behind.
    /// </summary>
    public Task BlockdevMirrorAsync(string jobId, string device, string target, bool writeBlocking, CancellationToken cancellationToken) =>
        ExecuteAsync("blockdev-mirror", new JsonObject
        {
            ["job-id"] = jobId,
            ["device"] = device,
            ["target"] = target,
            ["sync"] = "full",
            ["copy-mode"] = writeBlocking ? "write-blocking" : "background",
            ["auto-finalize"] = true,
            ["auto-dismiss"] = true,
        }, cancellationToken);

    /// <summary>
    /// <c>block-job-cancel</c>. On a ready mirror without <paramref name="force"/> the job ends with
    /// <c>BLOCK_JOB_COMPLETED</c>, leaving the target a point-in-time copy of the source; otherwise it is abandoned
    /// (<c>BLOCK_JOB_CANCELLED</c>).
    /// </summary>
    public Task BlockJobCancelAsync(string jobId, bool force, CancellationToken cancellationToken) =>
        ExecuteAsync("block-job-cancel", new JsonObject { ["device"] = jobId, ["force"] = force }, cancellationToken);
}
