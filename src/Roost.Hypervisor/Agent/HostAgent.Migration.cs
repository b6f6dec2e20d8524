using Roost.Core.Migration;
using Roost.Hypervisor.Qemu;

namespace Roost.Hypervisor.Agent;

/// <summary>
/// Live migration, source side: the handover is <see cref="SourceMigration"/> (Roost.Core), run by a
/// <see cref="SourceMigrationDriver"/>; this file admits the request, reserves the VM for it, and settles the VM's
/// state from the outcome. The destination is reached only with the migration ticket it issued; the QEMU URI (or, through
/// the relay, the relay's peer address) is built here from the destination agent's own host and a validated port.
/// </summary>
public sealed partial class HostAgent
{
    /// <summary>Migrates VM <paramref name="id"/> to the agent at <paramref name="destination"/>; returns when it is over.</summary>
    public async Task<AgentOutcome<MigrationReport>> MigrateAsync(
        string id, Uri destination, string ticket, int maxBandwidthMiBps, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentException.ThrowIfNullOrEmpty(ticket);
        ManagedVm managed;
        QemuVm vm;
        SourceMigrationDriver driver;
        lock (_gate)
        {
            if (!_vms.TryGetValue(id, out var found))
            {
                return AgentProblem.UnknownVm(Name, id);
            }

            if (found.State != VmState.Running || found.Vm is null)
            {
                return AgentProblem.Conflict($"VM '{id}' on agent '{Name}' is {found.State}; only a Running VM can migrate");
            }

            if (found.Vm.MigrationRefusal is { } unsafeQemu)
            {
                return AgentProblem.Conflict($"VM '{id}' on agent '{Name}' cannot live-migrate: {unsafeQemu}");
            }

            if (found.Spec.DiskMiB > 0 && Options.MigrationTransport != MigrationTransportKind.Relay)
            {
                return AgentProblem.Conflict($"VM '{id}' on agent '{Name}' has a disk, which moves only through the relay (this agent runs --migration-transport {Options.MigrationTransport.ToString().ToLowerInvariant()})");
            }

            (managed, vm) = (found, found.Vm);
            var settings = Options.Migration with { MaxBandwidthBytesPerSecond = (long)maxBandwidthMiBps * 1024 * 1024 };
            var relay = Options.MigrationTransport == MigrationTransportKind.Relay
                ? new SourceRelayPlan(Options.RelayCodec, Options.RelayTimeouts, Options.RelaySendBufferBytes, Path.Combine(Options.EffectiveRunDirectory, $"relay.{id}"))
                : null;
            driver = new SourceMigrationDriver(vm, destination, ticket, settings, _peers, _time, () => DestroySourceAsync(managed, vm), relay, Options.DiskMigration);
            managed.State = VmState.MigratingOut;
            managed.Outgoing = driver;
        }

        // Recorded before anything is sent, so a restarted agent can settle the VM with the destination.
        WriteRecord(vm, incoming: false, migratingTo: destination.ToString(), ticket: ticket);
        driver.Start();
        var outcome = await driver.Outcome.ConfigureAwait(false);
        var relayed = await driver.RelayResultAsync().ConfigureAwait(false);
        var disk = await driver.DiskResultAsync().ConfigureAwait(false);
        var passes = driver.Passes;
        await SettleOutgoingAsync(managed, vm, driver, outcome).ConfigureAwait(false);
        return outcome switch
        {
            SourceOutcome.Completed completed => new AgentOutcome<MigrationReport>.Ok(new MigrationReport(
                id,
                Name,
                destination.ToString(),
                (long)driver.Elapsed.TotalMilliseconds,
                (long)(completed.Last?.Elapsed?.TotalMilliseconds ?? 0),
                (long)(completed.Last?.Downtime?.TotalMilliseconds ?? 0),
                (long)driver.Handover.TotalMilliseconds,
                completed.Last?.TransferredBytes ?? 0,
                completed.Last?.Rounds ?? 0,
                (long)managed.Spec.MemoryMiB * 1024 * 1024)
            {
                Transport = driver.Transport,
                Relay = relayed?.Traffic,
                Passes = passes,
                DiskBytes = (long)managed.Spec.DiskMiB * 1024 * 1024,
                Disk = disk?.Traffic,
            }),
            SourceOutcome.Aborted aborted when disk is { Outcome: Roost.Core.Migration.Disk.DiskOutcome.Aborted diskAborted } && (!aborted.Cancelled || driver.DiskStoppedMemory) =>
                AgentProblem.MigrationFailed($"{outcome.Describe()} (the disk: {diskAborted.Reason}; the destination's partial disk {(diskAborted.DestinationCleaned ? "was deleted" : "expires with its incoming VM")})"),
            SourceOutcome.Aborted { Cancelled: true } cancelled => AgentProblem.MigrationCancelled(cancelled.Reason),
            _ => AgentProblem.MigrationFailed(outcome.Describe()),
        };
    }

    /// <summary>The progress of VM <paramref name="id"/>'s current or last outgoing migration, or a problem when none ran.</summary>
    public AgentOutcome<MigrationProgress> Progress(string id)
    {
        lock (_gate)
        {
            if (!_vms.TryGetValue(id, out var managed))
            {
                return AgentProblem.UnknownVm(Name, id);
            }

            return (managed.Outgoing?.Snapshot ?? managed.Progress) is { } progress
                ? new AgentOutcome<MigrationProgress>.Ok(progress)
                : AgentProblem.Conflict($"VM '{id}' on agent '{Name}' has never started a migration");
        }
    }

    /// <summary>Cancels VM <paramref name="id"/>'s outgoing migration in whatever phase it is; the answer says what happens.</summary>
    public async Task<AgentOutcome<VmInfo>> CancelMigrationAsync(string id)
    {
        SourceMigrationDriver? driver;
        lock (_gate)
        {
            if (!_vms.TryGetValue(id, out var managed))
            {
                return AgentProblem.UnknownVm(Name, id);
            }

            driver = managed.Outgoing;
        }

        if (driver is null)
        {
            return AgentProblem.Conflict(Get(id) is AgentOutcome<VmInfo>.Ok { Value.State: VmState.MigratingOut }
                ? $"VM '{id}' on agent '{Name}' is settling a migration its previous run left with the destination; it resumes here or goes when the destination answers"
                : $"VM '{id}' on agent '{Name}' is not migrating");
        }

        var answer = await driver.CancelAsync().ConfigureAwait(false);
        if (!answer.Accepted)
        {
            return AgentProblem.Conflict(answer.Detail);
        }

        return Get(id) is AgentOutcome<VmInfo>.Ok ok ? ok : new AgentOutcome<VmInfo>.Ok(new VmInfo(id, 0, 0, VmState.MigratingOut, 0, ""));
    }

    private async Task DestroySourceAsync(ManagedVm managed, QemuVm vm)
    {
        lock (_gate)
        {
            if (_vms.TryGetValue(managed.Spec.Id, out var current) && ReferenceEquals(current, managed))
            {
                _vms.Remove(managed.Spec.Id);
            }
        }

        await vm.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>The VM's state after its outgoing migration, from the outcome and what its QEMU really does.</summary>
    private async Task SettleOutgoingAsync(ManagedVm managed, QemuVm vm, SourceMigrationDriver driver, SourceOutcome outcome)
    {
        var running = false;
        if (outcome is SourceOutcome.Aborted or SourceOutcome.InDoubt && !vm.HasExited)
        {
            try
            {
                running = await vm.Qmp.QueryStatusAsync(CancellationToken.None).ConfigureAwait(false) == "running";
            }
            catch (Qmp.QmpException)
            {
                // Its QEMU is dying: removed below once it has exited.
            }
        }

        var gone = outcome is SourceOutcome.Completed or SourceOutcome.Lost || vm.HasExited;
        lock (_gate)
        {
            managed.Progress = driver.Snapshot;
            managed.Outgoing = null;
            if (gone)
            {
                if (_vms.TryGetValue(managed.Spec.Id, out var current) && ReferenceEquals(current, managed))
                {
                    _vms.Remove(managed.Spec.Id);
                }
            }
            else
            {
                // In doubt the VM stays paused and whole: resuming it is the operator's call (POST …/resume).
                managed.State = running ? VmState.Running : VmState.Paused;
            }
        }

        if (gone)
        {
            await vm.DisposeAsync().ConfigureAwait(false);
        }
        else if (outcome is SourceOutcome.Aborted)
        {
            WriteRecord(vm, incoming: false, migratingTo: null);
        }

        await driver.DisposeAsync().ConfigureAwait(false);
    }
}
