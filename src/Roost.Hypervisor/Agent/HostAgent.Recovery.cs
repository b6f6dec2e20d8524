using System.Globalization;
using System.Text.Json;
using Roost.Core.Migration;
using Roost.Hypervisor.Qemu;
using Roost.Hypervisor.Qmp;

namespace Roost.Hypervisor.Agent;

/// <summary>
/// Restart after a crash. QEMU outlives its agent, so a restarted agent (same name, same run directory) takes over
/// every VM its previous run left running or paused. A VM caught after a completed outgoing migration
/// (<c>postmigrate</c>) is settled with the destination using the migration's ticket (never this agent's token): if
/// the destination adopted it, the local copy is destroyed; if it dropped its half, the local copy resumes; without a
/// definite answer it stays paused. A VM adopted from a migration but not yet resumed is resumed. Incoming halves and
/// anything unrecognised are killed, and every file no adopted VM uses is removed: an incoming VM's partial disk
/// (<c>RUN/VM.disk</c>) with it, and the relays' socket directories (<c>relay.VM</c>, <c>nbd.VM</c>), since no relay
/// outlives its agent. A source VM caught while its disk was mirrored away loses the mirror job and its target node.
/// </summary>
public sealed partial class HostAgent
{
    /// <summary>Takes over or cleans up what a previous run of this agent left. Call once, before serving.</summary>
    public async Task RecoverAsync(CancellationToken cancellationToken)
    {
        var run = Options.EffectiveRunDirectory;
        var kept = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pidFile in Directory.GetFiles(run, "*.pid").Order(StringComparer.Ordinal))
        {
            var id = Path.GetFileNameWithoutExtension(pidFile);
            var pid = ReadPid(pidFile);
            if (pid is null || !IsOurQemu(pid.Value, run))
            {
                continue;
            }

            if (ReadRecord(Path.Combine(run, $"{id}.vm.json")) is { Incoming: false } record
                && await TryAdoptAsync(record, pid.Value, cancellationToken).ConfigureAwait(false))
            {
                kept.Add(id);
                continue;
            }

            await KillAsync(pid.Value).ConfigureAwait(false);
        }

        PruneIncoming();
        foreach (var file in Directory.GetFiles(run).Where(f => !kept.Contains(Path.GetFileName(f).Split('.')[0])))
        {
            File.Delete(file);
        }

        foreach (var directory in Directory.GetDirectories(run).Where(d => Path.GetFileName(d).StartsWith("relay.", StringComparison.Ordinal) || Path.GetFileName(d).StartsWith("nbd.", StringComparison.Ordinal)))
        {
            Directory.Delete(directory, recursive: true);
        }

        if (Directory.Exists(Options.ShmDirectory))
        {
            foreach (var file in Directory.GetFiles(Options.ShmDirectory, $"roost.{Name}.*")
                .Where(f => !kept.Contains(Path.GetFileName(f)[$"roost.{Name}.".Length..])))
            {
                File.Delete(file);
            }
        }
    }

    private async Task<bool> TryAdoptAsync(VmRecord record, int pid, CancellationToken cancellationToken)
    {
        var spec = new GuestSpec(record.Id, record.Cpus, record.MemoryMiB, record.DiskMiB, record.Nic is { Network: { } network, Address: { } address } nic ? new GuestNic(network, address, nic.Gateway) : null) { Image = record.Image };
        if (Admit(spec, VmState.Booting) is not null)
        {
            return false;
        }

        var vm = await QemuVm.AdoptAsync(LaunchFor(spec, incomingUri: null), pid, _time, cancellationToken).ConfigureAwait(false);
        if (vm is null)
        {
            Release(spec.Id, null);
            return false;
        }

        Attach(spec.Id, vm);
        try
        {
            if (record.MigratingTo is not null && spec.DiskMiB > 0)
            {
                await DropLeftoverMirrorAsync(vm, cancellationToken).ConfigureAwait(false);
            }

            var status = await vm.Qmp.QueryStatusAsync(cancellationToken).ConfigureAwait(false);
            if (record.MigratingTo is not null && status == "running")
            {
                // QEMU outlived its agent and may still be sending the VM away: stop that before deciding anything.
                status = await CancelLeftoverStreamAsync(vm, cancellationToken).ConfigureAwait(false);
            }

            switch (status)
            {
                case "running":
                    SetState(spec.Id, vm, VmState.Running);
                    if (record.MigratingTo is not null)
                    {
                        WriteRecord(vm, incoming: false, migratingTo: null);
                        _ = DropRemoteHalfAsync(record);
                    }

                    return true;
                case "paused" when record.MigratedIn:
                    // Adopted from a migration and recorded so before the previous run resumed it: the source was
                    // (or will be) told it runs here.
                    await vm.Qmp.ContinueAsync(cancellationToken).ConfigureAwait(false);
                    SetState(spec.Id, vm, VmState.Running);
                    WriteRecord(vm, incoming: false, migratingTo: null);
                    return true;
                case "paused":
                    SetState(spec.Id, vm, VmState.Paused);
                    return true;
                case "postmigrate":
                    SetState(spec.Id, vm, VmState.MigratingOut);
                    _ = SettleAfterRestartAsync(spec.Id, vm, record);
                    return true;
                default:
                    break;
            }
        }
        catch (QmpException)
        {
            // Fall through: not adoptable.
        }

        Release(spec.Id, vm);
        await vm.DisposeAsync().ConfigureAwait(false);
        return false;
    }

    /// <summary>
    /// The previous run may have left its disk mirror (a job into the destination's export, through a relay that died
    /// with it): cancel the job and remove its target node, whichever still exists. The VM's own disk is untouched.
    /// </summary>
    private static async Task DropLeftoverMirrorAsync(QemuVm vm, CancellationToken cancellationToken)
    {
        try
        {
            await vm.Qmp.BlockJobCancelAsync(Disk.DiskMigrationDriver.JobId, force: true, cancellationToken).ConfigureAwait(false);
        }
        catch (QmpException)
        {
            // No such job: it ended when its NBD connection broke.
        }

        try
        {
            await vm.Qmp.BlockdevDelAsync(Disk.DiskMigrationDriver.TargetNode, cancellationToken).ConfigureAwait(false);
        }
        catch (QmpException)
        {
            // No such node, or the cancelled job still holds it; it goes with the job.
        }
    }

    /// <summary>Cancels an outgoing stream QEMU may still run and waits (up to the cancel timeout) until it is over.</summary>
    private async Task<string> CancelLeftoverStreamAsync(QemuVm vm, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        if (!(await vm.Qmp.QueryMigrateAsync(cancellationToken).ConfigureAwait(false)).ToStreamProgress().IsOver)
        {
            await vm.Qmp.MigrateCancelAsync(cancellationToken).ConfigureAwait(false);
            while (!(await vm.Qmp.QueryMigrateAsync(cancellationToken).ConfigureAwait(false)).ToStreamProgress().IsOver
                && _time.GetElapsedTime(started) < Options.Migration.CancelTimeout)
            {
                await Task.Delay(Options.Migration.PollInterval, _time, cancellationToken).ConfigureAwait(false);
            }
        }

        return await vm.Qmp.QueryStatusAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The previous run died after QEMU finished sending the VM away but before the handover was settled. Ask the
    /// destination, with the migration's ticket, to drop its copy (a fenced abort: the answer is definite) until it
    /// answers: dropped → resume here; adopted → destroy here. Without a ticket, or without an answer within the
    /// resolve timeout, the VM stays paused and whole for the operator: resuming blindly could run it twice.
    /// </summary>
    private async Task SettleAfterRestartAsync(string id, QemuVm vm, VmRecord record)
    {
        var settings = Options.Migration;
        var started = _time.GetTimestamp();
        var settled = false;
        if (record.Ticket is { } ticket && Uri.TryCreate(record.MigratingTo, UriKind.Absolute, out var destination))
        {
            while (!settled && !_closing.IsCancellationRequested && _time.GetElapsedTime(started) < settings.ResolveTimeout)
            {
                switch (await _peers.AbortAsync(destination, ticket, id, settings.ConfirmTimeout, _closing.Token).ConfigureAwait(false))
                {
                    case PeerReply.Adopted:
                        Release(id, vm);
                        await vm.DisposeAsync().ConfigureAwait(false);
                        return;
                    case PeerReply.Dropped or PeerReply.Declined:
                        try
                        {
                            await vm.Qmp.ContinueAsync(_closing.Token).ConfigureAwait(false);
                            WriteRecord(vm, incoming: false, migratingTo: null);
                            SetState(id, vm, VmState.Running);
                            return;
                        }
                        catch (Exception e) when (e is QmpException or OperationCanceledException)
                        {
                            settled = true;
                        }

                        break;
                    default:
                        try
                        {
                            await Task.Delay(settings.ResolveRetryInterval, _time, _closing.Token).ConfigureAwait(false);
                        }
                        catch (OperationCanceledException)
                        {
                            return;
                        }

                        break;
                }
            }
        }

        SetState(id, vm, VmState.Paused);
    }

    /// <summary>Best effort: tell the destination of an interrupted migration to drop its half (it also expires).</summary>
    private async Task DropRemoteHalfAsync(VmRecord record)
    {
        if (record.Ticket is { } ticket && Uri.TryCreate(record.MigratingTo, UriKind.Absolute, out var destination))
        {
            await _peers.AbortAsync(destination, ticket, record.Id, Options.Migration.ConfirmTimeout, _closing.Token).ConfigureAwait(false);
        }
    }

    private static VmRecord? ReadRecord(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<VmRecord>(File.ReadAllText(path));
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return null;
        }
    }

    private static int? ReadPid(string pidFile)
    {
        try
        {
            return int.TryParse(File.ReadAllText(pidFile).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>True when <paramref name="pid"/> is a QEMU whose command line names this agent's run directory.</summary>
    private static bool IsOurQemu(int pid, string runDirectory)
    {
        try
        {
            var cmdline = File.ReadAllText($"/proc/{pid}/cmdline");
            return cmdline.Contains("qemu", StringComparison.Ordinal) && cmdline.Contains(runDirectory, StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    private async Task KillAsync(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            process.Kill();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return;
        }

        // Not our child, so it cannot be waited for: watch /proc until it is gone.
        var started = _time.GetTimestamp();
        while (Directory.Exists($"/proc/{pid}") && IsOurQemu(pid, Options.EffectiveRunDirectory) && _time.GetElapsedTime(started) < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), _time).ConfigureAwait(false);
        }
    }
}
