using System.Globalization;
using System.Text.Json;
using Roost.Hypervisor.Qemu;
using Roost.Hypervisor.Qmp;

namespace Roost.Hypervisor.Agent;

/// <summary>
/// Restart after a crash. QEMU outlives its agent, so a restarted agent (same name, same run directory) takes over
/// every VM its previous run left running or paused. A VM caught after a completed outgoing migration
/// (<c>postmigrate</c>) is resolved by asking the destination: if the destination runs it, the local copy is
/// destroyed; otherwise the destination's half is dropped and the local copy resumed. Incoming halves and anything
/// unrecognised are killed, and every file no adopted VM uses is removed.
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

        foreach (var file in Directory.GetFiles(run).Where(f => !kept.Contains(Path.GetFileName(f).Split('.')[0])))
        {
            File.Delete(file);
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
        var spec = new GuestSpec(record.Id, record.Cpus, record.MemoryMiB);
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
            var status = await vm.Qmp.QueryStatusAsync(cancellationToken).ConfigureAwait(false);
            var state = status switch
            {
                "running" => VmState.Running,
                "paused" => VmState.Paused,
                "postmigrate" when await OwnsAfterMigrationAsync(record, cancellationToken).ConfigureAwait(false) => VmState.Running,
                _ => (VmState?)null,
            };
            if (state is { } adopted)
            {
                if (status == "postmigrate")
                {
                    await vm.Qmp.ContinueAsync(cancellationToken).ConfigureAwait(false);
                }

                SetState(spec.Id, vm, adopted);
                return true;
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
    /// The previous run died after QEMU finished sending VM <paramref name="record"/> away but before the hand-over was
    /// settled. True when the VM should resume here: the destination does not run it (its half is then dropped).
    /// </summary>
    private async Task<bool> OwnsAfterMigrationAsync(VmRecord record, CancellationToken cancellationToken)
    {
        if (record.MigratingTo is null || !Uri.TryCreate(record.MigratingTo, UriKind.Absolute, out var destination))
        {
            return true;
        }

        var there = await _peers.GetVmAsync(destination, Options.Token, record.Id, cancellationToken).ConfigureAwait(false);
        if (there is AgentOutcome<VmInfo>.Ok { Value.State: VmState.Running or VmState.Paused })
        {
            return false;
        }

        await _peers.AbortIncomingAsync(destination, Options.Token, record.Id, cancellationToken).ConfigureAwait(false);
        return true;
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
