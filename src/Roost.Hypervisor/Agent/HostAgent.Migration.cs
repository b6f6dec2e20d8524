using System.Net;
using System.Net.Sockets;
using Roost.Hypervisor.Qemu;
using Roost.Hypervisor.Qmp;

namespace Roost.Hypervisor.Agent;

/// <summary>
/// Live migration between agents. The destination admits the VM and starts a QEMU with <c>-incoming</c>; the source
/// drives QMP <c>migrate</c> and polls <c>query-migrate</c>; on completion the destination confirms the guest runs
/// and only then does the source destroy its copy. On any failure the source keeps (or resumes) the VM and asks the
/// destination to drop its half, so a VM is never lost and never runs twice.
/// </summary>
public sealed partial class HostAgent
{
    private static readonly TimeSpan _pollInterval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan _downtimeLimit = TimeSpan.FromMilliseconds(300);

    /// <summary>Migrates VM <paramref name="id"/> to the agent at <paramref name="destination"/>; returns when it is over.</summary>
    public async Task<AgentOutcome<MigrationReport>> MigrateAsync(
        string id, Uri destination, string? destinationToken, int maxBandwidthMiBps, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ManagedVm managed;
        QemuVm vm;
        var cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        lock (_gate)
        {
            if (!_vms.TryGetValue(id, out var found))
            {
                cancellation.Dispose();
                return AgentProblem.UnknownVm(Name, id);
            }

            if (found.State != VmState.Running || found.Vm is null)
            {
                cancellation.Dispose();
                return AgentProblem.Conflict($"VM '{id}' on agent '{Name}' is {found.State}; only a Running VM can migrate");
            }

            if (found.Vm.MigrationRefusal is { } unsafeQemu)
            {
                cancellation.Dispose();
                return AgentProblem.Conflict($"VM '{id}' on agent '{Name}' cannot live-migrate: {unsafeQemu}");
            }

            (managed, vm) = (found, found.Vm);
            managed.State = VmState.MigratingOut;
            managed.MigrationCancellation = cancellation;
            managed.Progress = new MigrationProgress(destination.ToString(), "preparing", 0, 0, 0, 0, 0);
        }

        var started = _time.GetTimestamp();
        var token = destinationToken ?? Options.Token;
        WriteRecord(vm, incoming: false, migratingTo: destination.ToString());
        try
        {
            var incoming = await _peers.PrepareIncomingAsync(
                destination, token, new CreateVmRequest(id, managed.Spec.Cpus, managed.Spec.MemoryMiB), cancellation.Token).ConfigureAwait(false);
            if (incoming is AgentOutcome<IncomingResponse>.Failed refused)
            {
                await RecoverSourceAsync(managed, vm, destination, token, abortPeer: false).ConfigureAwait(false);
                return refused.Problem;
            }

            var uri = ((AgentOutcome<IncomingResponse>.Ok)incoming).Value.MigrationUri;
            var outcome = await DriveMigrationAsync(managed, vm, destination, uri, maxBandwidthMiBps, started, cancellation.Token).ConfigureAwait(false);
            if (outcome is AgentOutcome<MigrationInfo>.Failed failed)
            {
                await RecoverSourceAsync(managed, vm, destination, token, abortPeer: true).ConfigureAwait(false);
                return failed.Problem;
            }

            var info = ((AgentOutcome<MigrationInfo>.Ok)outcome).Value;
            var handoverStarted = _time.GetTimestamp();
            var confirmed = await _peers.CompleteIncomingAsync(destination, token, id, CancellationToken.None).ConfigureAwait(false);
            var handover = _time.GetElapsedTime(handoverStarted);
            if (confirmed is AgentOutcome<VmInfo>.Failed notRunning)
            {
                await RecoverSourceAsync(managed, vm, destination, token, abortPeer: true).ConfigureAwait(false);
                return AgentProblem.MigrationFailed($"migration of VM '{id}' to {destination}: the destination did not take over ({notRunning.Problem.Detail}); the VM runs on '{Name}'");
            }

            lock (_gate)
            {
                _vms.Remove(id);
            }

            await vm.DisposeAsync().ConfigureAwait(false);
            return new AgentOutcome<MigrationReport>.Ok(new MigrationReport(
                id,
                Name,
                destination.ToString(),
                (long)_time.GetElapsedTime(started).TotalMilliseconds,
                (long)(info.TotalTime?.TotalMilliseconds ?? 0),
                (long)(info.Downtime?.TotalMilliseconds ?? 0),
                (long)handover.TotalMilliseconds,
                info.TransferredBytes,
                info.DirtySyncCount,
                (long)managed.Spec.MemoryMiB * 1024 * 1024));
        }
        finally
        {
            lock (_gate)
            {
                managed.MigrationCancellation = null;
            }

            cancellation.Dispose();
        }
    }

    /// <summary>The progress of VM <paramref name="id"/>'s outgoing migration, or a problem when none runs.</summary>
    public AgentOutcome<MigrationProgress> Progress(string id)
    {
        lock (_gate)
        {
            if (!_vms.TryGetValue(id, out var managed))
            {
                return AgentProblem.UnknownVm(Name, id);
            }

            return managed.Progress is { } progress
                ? new AgentOutcome<MigrationProgress>.Ok(progress)
                : AgentProblem.Conflict($"VM '{id}' on agent '{Name}' has never started a migration");
        }
    }

    /// <summary>Cancels VM <paramref name="id"/>'s outgoing migration; the VM keeps running here.</summary>
    public AgentOutcome<VmInfo> CancelMigration(string id)
    {
        lock (_gate)
        {
            if (!_vms.TryGetValue(id, out var managed))
            {
                return AgentProblem.UnknownVm(Name, id);
            }

            if (managed.State != VmState.MigratingOut || managed.MigrationCancellation is not { } cancellation)
            {
                return AgentProblem.Conflict($"VM '{id}' on agent '{Name}' is not migrating");
            }

            cancellation.Cancel();
            return new AgentOutcome<VmInfo>.Ok(managed.ToInfo());
        }
    }

    /// <summary>Destination side: admit the VM and start a QEMU waiting for its state.</summary>
    public async Task<AgentOutcome<IncomingResponse>> PrepareIncomingAsync(GuestSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (Admit(spec, VmState.Incoming) is { } refusal)
        {
            return refusal;
        }

        var uri = $"tcp:{Options.MigrationHost}:{FreePort()}";
        QemuVm? vm = null;
        try
        {
            vm = await QemuVm.StartAsync(LaunchFor(spec, uri), _time, cancellationToken).ConfigureAwait(false);
            Attach(spec.Id, vm, incoming: true);
            _ = ExpireIncomingAsync(spec.Id, vm);
            return new AgentOutcome<IncomingResponse>.Ok(new IncomingResponse(spec.Id, uri));
        }
        catch (Exception e) when (e is QemuException or QmpException or OperationCanceledException or IOException)
        {
            Release(spec.Id, vm);
            if (vm is not null)
            {
                await vm.DisposeAsync().ConfigureAwait(false);
            }

            return AgentProblem.HypervisorFailed($"agent '{Name}' cannot start an incoming QEMU for VM '{spec.Id}': {e.Message}");
        }
    }

    /// <summary>Destination side: the source says the stream is complete; confirm the guest runs here and adopt it.</summary>
    public async Task<AgentOutcome<VmInfo>> CompleteIncomingAsync(string id, CancellationToken cancellationToken)
    {
        if (Find(id, out var problem) is not { } managed)
        {
            return problem ?? AgentProblem.UnknownVm(Name, id);
        }

        if (managed.State != VmState.Incoming || managed.Vm is not { } vm)
        {
            return AgentProblem.Conflict($"VM '{id}' on agent '{Name}' is {managed.State}, not Incoming");
        }

        var started = _time.GetTimestamp();
        try
        {
            // The incoming QEMU (-S) finishes loading the stream and stays paused; the source has seen "completed", so
            // the stream is whole. Resume the guest here: from now on this is the VM's home.
            while (await vm.Qmp.QueryStatusAsync(cancellationToken).ConfigureAwait(false) is var status && status != "paused")
            {
                if (status == "running")
                {
                    break;
                }

                if (_time.GetElapsedTime(started) > _commandTimeout)
                {
                    return AgentProblem.HypervisorFailed($"VM '{id}' on agent '{Name}' is '{status}' after the migration, not paused and whole");
                }

                await Task.Delay(_pollInterval, _time, cancellationToken).ConfigureAwait(false);
            }

            await vm.Qmp.ContinueAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (QmpException e)
        {
            return AgentProblem.HypervisorFailed($"VM '{id}' on agent '{Name}': {e.Message}");
        }

        WriteRecord(vm, incoming: false, migratingTo: null);
        return SetState(id, vm, VmState.Running);
    }

    /// <summary>Destination side: the migration failed or was cancelled; drop the incoming QEMU.</summary>
    public async Task<AgentOutcome<VmInfo>> AbortIncomingAsync(string id, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_vms.TryGetValue(id, out var managed))
            {
                return AgentProblem.UnknownVm(Name, id);
            }

            if (managed.State != VmState.Incoming)
            {
                return AgentProblem.Conflict($"VM '{id}' on agent '{Name}' is {managed.State}, not Incoming");
            }
        }

        return await DestroyIncomingAsync(id).ConfigureAwait(false);
    }

    private async Task<AgentOutcome<VmInfo>> DestroyIncomingAsync(string id)
    {
        ManagedVm? managed;
        lock (_gate)
        {
            if (!_vms.TryGetValue(id, out managed) || managed.State != VmState.Incoming)
            {
                return AgentProblem.UnknownVm(Name, id);
            }

            _vms.Remove(id);
        }

        if (managed.Vm is { } vm)
        {
            await vm.DisposeAsync().ConfigureAwait(false);
        }

        return new AgentOutcome<VmInfo>.Ok(managed.ToInfo());
    }

    private async Task<AgentOutcome<MigrationInfo>> DriveMigrationAsync(
        ManagedVm managed, QemuVm vm, Uri destination, string uri, int maxBandwidthMiBps, long started, CancellationToken cancellationToken)
    {
        var id = managed.Spec.Id;
        var cancelled = false;
        try
        {
            await vm.Qmp.SetMigrationParametersAsync((long)maxBandwidthMiBps * 1024 * 1024, _downtimeLimit, CancellationToken.None).ConfigureAwait(false);
            await vm.Qmp.MigrateAsync(uri, CancellationToken.None).ConfigureAwait(false);
            while (true)
            {
                var info = await vm.Qmp.QueryMigrateAsync(CancellationToken.None).ConfigureAwait(false);
                var elapsed = (long)_time.GetElapsedTime(started).TotalMilliseconds;
                lock (_gate)
                {
                    managed.Progress = new MigrationProgress(destination.ToString(), info.Status, info.TransferredBytes, info.RemainingBytes, info.TotalRamBytes, info.DirtySyncCount, elapsed);
                }

                switch (info.Status)
                {
                    case "completed":
                        return new AgentOutcome<MigrationInfo>.Ok(info);
                    case "failed":
                        return AgentProblem.MigrationFailed($"migration of VM '{id}' to {destination} failed: {info.Error ?? "QEMU gave no reason"}; the VM runs on '{Name}'");
                    case "cancelled":
                        return AgentProblem.MigrationCancelled($"migration of VM '{id}' to {destination} was cancelled; the VM runs on '{Name}'");
                    default:
                        break;
                }

                if (cancellationToken.IsCancellationRequested && !cancelled)
                {
                    cancelled = true;
                    await vm.Qmp.MigrateCancelAsync(CancellationToken.None).ConfigureAwait(false);
                }

                await Task.Delay(_pollInterval, _time, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (QmpException e)
        {
            return AgentProblem.MigrationFailed($"migration of VM '{id}' to {destination} failed at the source: {e.Message}");
        }
    }

    /// <summary>After a failed migration: make sure the source guest runs, drop the destination's half, mark Running.</summary>
    private async Task RecoverSourceAsync(ManagedVm managed, QemuVm vm, Uri destination, string token, bool abortPeer)
    {
        if (abortPeer)
        {
            await _peers.AbortIncomingAsync(destination, token, managed.Spec.Id, CancellationToken.None).ConfigureAwait(false);
        }

        try
        {
            if (!vm.HasExited && await vm.Qmp.QueryStatusAsync(CancellationToken.None).ConfigureAwait(false) != "running")
            {
                await vm.Qmp.ContinueAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (QmpException)
        {
            // The source QEMU itself died; the exit watcher removes it.
        }

        lock (_gate)
        {
            if (ReferenceEquals(managed.Vm, vm) && _vms.ContainsKey(managed.Spec.Id))
            {
                managed.State = VmState.Running;
            }
        }

        if (!vm.HasExited)
        {
            WriteRecord(vm, incoming: false, migratingTo: null);
        }

        if (vm.HasExited)
        {
            await WatchExitAsync(managed.Spec.Id, vm).ConfigureAwait(false);
        }
    }

    /// <summary>An incoming QEMU nobody completes (the source agent died) is destroyed after the incoming timeout.</summary>
    private async Task ExpireIncomingAsync(string id, QemuVm vm)
    {
        await Task.WhenAny(vm.Exited, Task.Delay(Options.IncomingTimeout, _time)).ConfigureAwait(false);
        bool stillIncoming;
        lock (_gate)
        {
            stillIncoming = _vms.TryGetValue(id, out var managed) && ReferenceEquals(managed.Vm, vm) && managed.State == VmState.Incoming;
        }

        if (stillIncoming && !vm.HasExited)
        {
            await DestroyIncomingAsync(id).ConfigureAwait(false);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
