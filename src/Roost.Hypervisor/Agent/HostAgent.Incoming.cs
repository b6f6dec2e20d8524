using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Roost.Core.Migration;
using Roost.Hypervisor.Qemu;
using Roost.Hypervisor.Relay;

namespace Roost.Hypervisor.Agent;

/// <summary>
/// Live migration, destination side. Whoever holds this agent's token asks for a <see cref="MigrationTicket"/> for one
/// VM; the source presents it to admit the VM and later to complete or abort. The handover is
/// <see cref="IncomingMigration"/> (Roost.Core), run by an <see cref="IncomingMigrationDriver"/>. Adoptions are
/// recorded in a ledger (<c>RUN/ledger/VM.NONCE</c>) before the guest is resumed, so every answer to the source is
/// definite, also after a restart.
/// </summary>
public sealed partial class HostAgent
{
    private readonly Dictionary<string, IncomingMigrationDriver> _incoming = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _usedNonces = new(StringComparer.Ordinal);

    private string LedgerDirectory => Path.Combine(Options.EffectiveRunDirectory, "ledger");

    /// <summary>Issues a ticket admitting VM <paramref name="spec"/> here, once, within <see cref="AgentOptions.TicketLifetime"/>.</summary>
    public AgentOutcome<TicketResponse> IssueTicket(GuestSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Validate() is { } invalid)
        {
            return AgentProblem.BadRequest(invalid);
        }

        if ((RefuseUnknownNetwork(spec) ?? RefuseUnknownImage(spec)) is { } refused)
        {
            return refused;
        }

        lock (_gate)
        {
            if (_vms.ContainsKey(spec.Id))
            {
                return AgentProblem.Conflict($"agent '{Name}' already has a VM '{spec.Id}'");
            }

            if (!Options.AdmissionLimit.Fits(_vms.Values.Sum(v => v.Spec.Cpus) + spec.Cpus, _vms.Values.Sum(v => v.Spec.MemoryMiB) + spec.MemoryMiB))
            {
                return AgentProblem.CapacityExceeded($"agent '{Name}' cannot admit VM '{spec.Id}' (cpus={spec.Cpus}, memory={spec.MemoryMiB} MiB) within capacity {Options.AdmissionLimit}");
            }
        }

        var expires = _time.GetUtcNow() + Options.TicketLifetime;
        var ticket = new MigrationTicket(spec.Id, spec.Cpus, spec.MemoryMiB, spec.DiskMiB, MigrationTicket.NicDigest(spec.Nic), expires.ToUnixTimeSeconds(), MigrationTicket.NewNonce());
        return new AgentOutcome<TicketResponse>.Ok(new TicketResponse(ticket.Sign(_ticketKey), (long)Options.TicketLifetime.TotalSeconds));
    }

    /// <summary>Admits an incoming VM on the strength of <paramref name="ticketText"/> and starts its QEMU waiting for the stream.</summary>
    /// <remarks>
    /// With <paramref name="relaySecret"/> (the source relays its stream) the QEMU listens on loopback and a
    /// <see cref="Relay.DestinationRelay"/> on the migration address feeds it; the port answered is the relay's.
    /// </remarks>
    public async Task<AgentOutcome<IncomingResponse>> AdmitIncomingAsync(GuestSpec spec, string? ticketText, byte[]? relaySecret, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!MigrationTicket.TryRead(ticketText, _ticketKey, out var ticket, out var error))
        {
            return AgentProblem.Unauthorized($"POST /api/incoming: {error}");
        }

        if (ticket.VmId != spec.Id || ticket.Cpus != spec.Cpus || ticket.MemoryMiB != spec.MemoryMiB || ticket.DiskMiB != spec.DiskMiB)
        {
            return AgentProblem.Unauthorized(
                $"POST /api/incoming: the ticket admits VM '{ticket.VmId}' (cpus={ticket.Cpus}, memory={ticket.MemoryMiB}, disk={ticket.DiskMiB}), not '{spec.Id}' (cpus={spec.Cpus}, memory={spec.MemoryMiB}, disk={spec.DiskMiB})");
        }

        if (ticket.Nic != MigrationTicket.NicDigest(spec.Nic))
        {
            return AgentProblem.Unauthorized($"POST /api/incoming: the ticket admits VM '{spec.Id}' with another network card (network, address, gateway) than the one asked for");
        }

        if (spec.DiskMiB > 0 && relaySecret is null)
        {
            return AgentProblem.BadRequest($"POST /api/incoming: VM '{spec.Id}' has a disk, which moves only through the relay (the admission carries no relaySecret)");
        }

        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        lock (_gate)
        {
            foreach (var stale in _usedNonces.Where(n => n.Value < now).Select(n => n.Key).ToList())
            {
                _usedNonces.Remove(stale);
            }

            if (ticket.ExpiresAtUnixSeconds < now)
            {
                return AgentProblem.Unauthorized($"POST /api/incoming: the ticket for VM '{spec.Id}' expired {now - ticket.ExpiresAtUnixSeconds} s ago");
            }

            if (!_usedNonces.TryAdd(ticket.Nonce, ticket.ExpiresAtUnixSeconds))
            {
                return AgentProblem.Unauthorized($"POST /api/incoming: the ticket for VM '{spec.Id}' was already used");
            }
        }

        if (Admit(spec, VmState.Incoming) is { } refusal)
        {
            return refusal;
        }

        // A disk is copied before the memory's stream starts: the stream may come that much later.
        var settings = spec.DiskMiB > 0 ? Options.Incoming with { StreamTimeout = Options.Incoming.StreamTimeout + Options.DiskMigration.CopyTimeout } : Options.Incoming;
        var driver = new IncomingMigrationDriver(this, spec, ticket.Nonce, settings, _time, relaySecret, Path.Combine(Options.EffectiveRunDirectory, $"nbd.{spec.Id}"));
        List<IncomingMigrationDriver> done;
        lock (_gate)
        {
            _vms[spec.Id].Incoming = driver;

            // Finished ones answer late calls for the settle window, then only the ledger does.
            done = [.. _incoming.Values.Where(d => d.Spec.Id == spec.Id || d.FinishedAt is { } at && _time.GetElapsedTime(at) > Options.SettleWindow)];
            foreach (var old in done)
            {
                _incoming.Remove(old.Spec.Id);
            }

            _incoming[spec.Id] = driver;
        }

        foreach (var old in done)
        {
            await old.DisposeAsync().ConfigureAwait(false);
        }

        driver.Start();
        return await driver.Admission.ConfigureAwait(false) switch
        {
            PeerReply.Admitted admitted => new AgentOutcome<IncomingResponse>.Ok(new IncomingResponse(spec.Id, (int)admitted.Port)),
            PeerReply.Declined declined => AgentProblem.HypervisorFailed($"agent '{Name}' cannot take VM '{spec.Id}': {declined.Reason}"),
            var other => AgentProblem.HypervisorFailed($"agent '{Name}' cannot take VM '{spec.Id}': {other}"),
        };
    }

    /// <summary>
    /// The source says the stream is complete (<paramref name="isAbort"/> false) or asks to drop the incoming half
    /// (true). The answer is definite: adopted (the guest runs here) or dropped (nothing of it runs here, ever).
    /// </summary>
    public async Task<AgentOutcome<IncomingSettlement>> SettleIncomingAsync(string id, string? ticketText, bool owner, bool isAbort)
    {
        string? nonce = null;
        if (!owner)
        {
            if (SettlingTicket(id, ticketText, out nonce) is { } refused)
            {
                return refused;
            }
        }
        else if (!GuestSpec.IsValidId(id))
        {
            // The id becomes a ledger file name pattern below: '*' or '?' would match other VMs' adoptions.
            return AgentProblem.BadRequest($"/api/incoming/{AgentEndpoints.Printable(id)}: not a VM id (1 to 32 lower-case letters, digits or dashes)");
        }

        IncomingMigrationDriver? driver;
        lock (_gate)
        {
            driver = _incoming.GetValueOrDefault(id) is { } found && (nonce is null || found.Nonce == nonce) ? found : null;
        }

        if (!isAbort && driver is { Disk: { IsClosedWhole: false } })
        {
            // A VM with a disk runs here only on a whole copy: the source's mirror ended and its export closed first.
            return AgentProblem.Conflict($"VM '{id}' on agent '{Name}': its disk has not been mirrored here whole (the export was never closed after a complete mirror)");
        }

        var reply = driver is not null
            ? await driver.CallAsync(isAbort).ConfigureAwait(false)
            : IncomingMigration.AnswerFromLedger(InLedger(id, nonce), isAbort, id);
        return reply switch
        {
            PeerReply.Adopted => new AgentOutcome<IncomingSettlement>.Ok(new IncomingSettlement(id, IncomingSettlement.Adopted, null)),
            PeerReply.Dropped => new AgentOutcome<IncomingSettlement>.Ok(new IncomingSettlement(id, IncomingSettlement.Dropped, null)),
            PeerReply.Declined declined => new AgentOutcome<IncomingSettlement>.Ok(new IncomingSettlement(id, IncomingSettlement.Dropped, declined.Reason)),
            PeerReply.Failed failed => AgentProblem.Conflict($"VM '{id}' on agent '{Name}': {failed.Reason}"),
            _ => AgentProblem.Conflict($"VM '{id}' on agent '{Name}': no answer"),
        };
    }

    /// <summary>
    /// Checks a ticket presented to settle (or move the disk of) VM <paramref name="id"/>: issued here, for that VM,
    /// within its settle window. Null when it holds (<paramref name="nonce"/> names the migration), else the problem.
    /// </summary>
    private AgentProblem? SettlingTicket(string id, string? ticketText, out string nonce)
    {
        nonce = "";
        if (!MigrationTicket.TryRead(ticketText, _ticketKey, out var ticket, out var error))
        {
            return AgentProblem.Unauthorized($"/api/incoming/{AgentEndpoints.Printable(id)}: {error}");
        }

        if (ticket.VmId != id)
        {
            return AgentProblem.Unauthorized($"/api/incoming/{AgentEndpoints.Printable(id)}: the ticket is for VM '{ticket.VmId}'");
        }

        var settleBy = ticket.ExpiresAtUnixSeconds + (long)Options.SettleWindow.TotalSeconds;
        if (settleBy < _time.GetUtcNow().ToUnixTimeSeconds())
        {
            return AgentProblem.Unauthorized($"/api/incoming/{id}: the ticket's settle window is over");
        }

        nonce = ticket.Nonce;
        return null;
    }

    /// <summary>
    /// Starts the incoming QEMU of <paramref name="driver"/>'s VM: it listens on a free port for the stream, on the
    /// migration address, or on loopback behind the destination relay when <paramref name="relayed"/>.
    /// </summary>
    internal async Task<(QemuVm Vm, int Port)> LaunchIncomingAsync(IncomingMigrationDriver driver, bool relayed, CancellationToken cancellationToken)
    {
        var port = FreePort();
        var listen = relayed ? "127.0.0.1" : Options.MigrationHost;
        var host = listen.Contains(':', StringComparison.Ordinal) ? $"[{listen}]" : listen;
        var vm = await QemuVm.StartAsync(LaunchFor(driver.Spec, string.Create(CultureInfo.InvariantCulture, $"tcp:{host}:{port}")), _time, cancellationToken).ConfigureAwait(false);
        Attach(driver.Spec.Id, vm, incoming: true);
        return (vm, port);
    }

    /// <summary>Starts the destination relay of a migration on the migration address, feeding the incoming QEMU at loopback <paramref name="qemuPort"/>.</summary>
    /// <remarks>For a VM with a disk the source's relay connects only once the disk is copied: the relay waits that much longer.</remarks>
    internal async Task<DestinationRelay> StartIncomingRelayAsync(byte[] secret, int qemuPort, bool disk, CancellationToken cancellationToken)
    {
        var address = await MigrationAddressAsync(cancellationToken).ConfigureAwait(false);
        var timeouts = disk ? Options.RelayTimeouts with { Connect = Options.RelayTimeouts.Connect + Options.DiskMigration.CopyTimeout } : Options.RelayTimeouts;
        return DestinationRelay.Start(address, secret, [new IPEndPoint(IPAddress.Loopback, qemuPort)], PinFiles(), timeouts, _time);
    }

    /// <summary>
    /// The files the destination relay pins (<see cref="AgentOptions.MigrationPins"/>): the image's kernel and initrd,
    /// then, with <see cref="MigrationPins.Residents"/>, the RAM files of the guests running or paused here, ordered by
    /// id. Mergeable guest RAM is no file (it would be read through <c>/proc/PID/mem</c>): those residents are skipped.
    /// </summary>
    internal IReadOnlyList<string> PinFiles()
    {
        if (Options.MigrationPins == MigrationPins.Off)
        {
            return [];
        }

        var files = new List<string> { Options.Image.KernelPath, Options.Image.InitrdPath };
        if (Options.MigrationPins == MigrationPins.Residents && !Options.MergeableMemory)
        {
            lock (_gate)
            {
                files.AddRange(_vms.Values
                    .Where(v => v.State is VmState.Running or VmState.Paused)
                    .OrderBy(v => v.Spec.Id, StringComparer.Ordinal)
                    .SelectMany(v => v.Vm is { } vm ? [vm.Launch.MemoryPath] : Array.Empty<string>()));
            }
        }

        return files;
    }

    /// <summary>The destination relay of VM <paramref name="id"/>'s incoming migration while one runs (fault tests stop it).</summary>
    internal DestinationRelay? IncomingRelay(string id)
    {
        lock (_gate)
        {
            return _incoming.GetValueOrDefault(id)?.Relay;
        }
    }

    /// <summary>Records durably that this host owns the VM now: the ledger entry and the VM's record, before its guest runs.</summary>
    internal void CommitAdoption(IncomingMigrationDriver driver, QemuVm vm)
    {
        PrivateFiles.CreateDirectory(LedgerDirectory);
        WriteDurably(Path.Combine(LedgerDirectory, $"{driver.Spec.Id}.{driver.Nonce}"), driver.Spec.Id + "\n");
        WriteRecord(vm, incoming: false, migratingTo: null, migratedIn: true);
    }

    internal async Task DestroyIncomingAsync(IncomingMigrationDriver driver, QemuVm? vm)
    {
        var entry = Path.Combine(LedgerDirectory, $"{driver.Spec.Id}.{driver.Nonce}");
        if (File.Exists(entry))
        {
            File.Delete(entry);
        }

        if (vm is not null)
        {
            await vm.DisposeAsync().ConfigureAwait(false);
        }
    }

    internal void ReleaseIncoming(IncomingMigrationDriver driver)
    {
        lock (_gate)
        {
            if (_vms.TryGetValue(driver.Spec.Id, out var managed) && ReferenceEquals(managed.Incoming, driver))
            {
                _vms.Remove(driver.Spec.Id);
            }
        }
    }

    internal void AdoptIncoming(IncomingMigrationDriver driver, QemuVm vm)
    {
        lock (_gate)
        {
            if (_vms.TryGetValue(driver.Spec.Id, out var managed) && ReferenceEquals(managed.Incoming, driver))
            {
                managed.State = VmState.Running;
                managed.Incoming = null;
            }
        }

        WriteRecord(vm, incoming: false, migratingTo: null);
    }

    /// <summary>Whether the ledger records an adoption of VM <paramref name="id"/> (by the migration <paramref name="nonce"/>, or any).</summary>
    private bool InLedger(string id, string? nonce) =>
        Directory.Exists(LedgerDirectory)
        && (nonce is not null ? File.Exists(Path.Combine(LedgerDirectory, $"{id}.{nonce}")) : Directory.EnumerateFiles(LedgerDirectory, $"{id}.*").Any());

    /// <summary>Forgets finished incoming migrations and ledger entries older than the settle window.</summary>
    private void PruneIncoming()
    {
        var cutoff = _time.GetUtcNow() - Options.TicketLifetime - Options.SettleWindow;
        if (Directory.Exists(LedgerDirectory))
        {
            foreach (var entry in Directory.GetFiles(LedgerDirectory).Where(f => File.GetLastWriteTimeUtc(f) < cutoff.UtcDateTime))
            {
                File.Delete(entry);
            }
        }
    }

    private static void WriteDurably(string path, string text)
    {
        var temporary = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var file = new FileStream(temporary, options))
        {
            file.Write(System.Text.Encoding.UTF8.GetBytes(text));
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
