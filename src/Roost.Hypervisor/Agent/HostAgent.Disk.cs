using System.Net;
using Roost.Core.Migration;
using Roost.Hypervisor.Qmp;

namespace Roost.Hypervisor.Agent;

/// <summary>
/// Moving a VM's disk with its memory, destination side: the source (with the migration's ticket) has the incoming
/// QEMU export its disk through the destination's NBD relay, closes the export once its mirror ended whole, or
/// discards it (the incoming VM is dropped with its partial disk). The source side is <see cref="SourceDiskMove"/>.
/// </summary>
public sealed partial class HostAgent
{
    /// <summary>Carries out the source's <paramref name="call"/> on incoming VM <paramref name="id"/>'s disk.</summary>
    public async Task<AgentOutcome<IncomingDiskResponse>> IncomingDiskAsync(string id, string? ticketText, DiskCall call, CancellationToken cancellationToken)
    {
        if (SettlingTicket(id, ticketText, out var nonce) is { } refused)
        {
            return refused;
        }

        IncomingMigrationDriver? driver;
        lock (_gate)
        {
            driver = _incoming.GetValueOrDefault(id) is { } found && found.Nonce == nonce ? found : null;
        }

        if (driver is null)
        {
            return AgentProblem.Conflict($"agent '{Name}' has no incoming migration of VM '{id}' for this ticket");
        }

        if (driver.Disk is not { } disk || driver.DiskRelaySecret is not { } secret)
        {
            return AgentProblem.Conflict($"incoming VM '{id}' on agent '{Name}' has no disk to move");
        }

        try
        {
            switch (call)
            {
                case DiskCall.Export:
                    if (driver.Vm is not { HasExited: false } vm)
                    {
                        return AgentProblem.Conflict($"incoming VM '{id}' on agent '{Name}' has no running QEMU");
                    }

                    var address = await MigrationAddressAsync(cancellationToken).ConfigureAwait(false);
                    var port = await disk.ExportAsync(vm, address, secret, Options.RelayTimeouts, _time, cancellationToken).ConfigureAwait(false);
                    return new AgentOutcome<IncomingDiskResponse>.Ok(new IncomingDiskResponse(id, port));
                case DiskCall.Close:
                    await disk.CloseAsync(Options.Migration.ConfirmTimeout, cancellationToken).ConfigureAwait(false);
                    return new AgentOutcome<IncomingDiskResponse>.Ok(new IncomingDiskResponse(id, 0));
                default:
                    // The partial disk goes with the incoming VM: drop it as the source's abort would (a definite answer).
                    await disk.DisposeAsync().ConfigureAwait(false);
                    return await driver.CallAsync(isAbort: true).ConfigureAwait(false) is PeerReply.Dropped or PeerReply.Declined
                        ? new AgentOutcome<IncomingDiskResponse>.Ok(new IncomingDiskResponse(id, 0))
                        : AgentProblem.Conflict($"incoming VM '{id}' on agent '{Name}' could not be dropped with its disk");
            }
        }
        catch (Exception e) when (e is QmpException or IOException or InvalidOperationException or TimeoutException or OperationCanceledException or UnauthorizedAccessException or System.Net.Sockets.SocketException)
        {
            return AgentProblem.Conflict($"incoming VM '{id}' on agent '{Name}': disk {call.ToString().ToLowerInvariant()}: {e.Message}");
        }
    }

    /// <summary>Whether incoming VM <paramref name="id"/>'s disk is exported to the source's mirror now (fault tests act then).</summary>
    internal bool IncomingDiskExported(string id)
    {
        lock (_gate)
        {
            return _incoming.GetValueOrDefault(id)?.Disk is { IsExported: true };
        }
    }

    /// <summary>The IP address of <see cref="AgentOptions.MigrationHost"/>, where the relays listen.</summary>
    private async Task<IPAddress> MigrationAddressAsync(CancellationToken cancellationToken) =>
        IPAddress.TryParse(Options.MigrationHost, out var address)
            ? address
            : (await Dns.GetHostAddressesAsync(Options.MigrationHost, cancellationToken).ConfigureAwait(false)).FirstOrDefault()
                ?? throw new IOException($"the migration address '{Options.MigrationHost}' has no IP address");
}
