using System.Globalization;
using Roost.Hypervisor.Images;

namespace Roost.Hypervisor.Lab;

public sealed partial class WanLab
{
    private static readonly TimeSpan _stopGrace = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Tears lab <paramref name="name"/> down: stops its relay and every process still inside its namespaces, then
    /// deletes the namespaces (their veths, bridges and qdiscs go with them) and its files. Idempotent: a lab not
    /// recorded is <see cref="LabDownResult.NotFound"/>, a half-built one is removed as far as it got.
    /// </summary>
    public static async Task<LabDownResult> DownAsync(LabName name, LabStateStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(time);
        using var held = await store.LockAsync(_lockTimeout, time, cancellationToken).ConfigureAwait(false);
        return store.TryRead(name) is { } state
            ? await RemoveAsync(state, store, time, cancellationToken).ConfigureAwait(false)
            : new LabDownResult.NotFound();
    }

    /// <summary>
    /// Removes every lab that is stale: its owner (a test run) is gone, or an <c>up</c> crashed half way. Labs made
    /// by <c>roost lab wan up</c> (no owner) and labs of running processes are left alone. Returns the names removed.
    /// </summary>
    public static async Task<IReadOnlyList<string>> SweepStaleAsync(LabStateStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(time);
        if (store.List().Count == 0)
        {
            return [];
        }

        var removed = new List<string>();
        using var held = await store.LockAsync(_lockTimeout, time, cancellationToken).ConfigureAwait(false);

        foreach (var state in store.List().Where(s => s.IsStale))
        {
            if (await RemoveAsync(state, store, time, cancellationToken).ConfigureAwait(false) is LabDownResult.Removed)
            {
                removed.Add(state.Name);
            }
        }

        return removed;
    }

    /// <summary>Removes what exists of a recorded lab. The caller holds the lock.</summary>
    private static async Task<LabDownResult> RemoveAsync(WanLabState state, LabStateStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        var name = LabName.Parse(state.Name);
        var stopped = 0;
        if (state.Relay is { } relay && relay.IsAlive)
        {
            await StopAsync([relay], time, cancellationToken).ConfigureAwait(false);
            stopped++;
        }

        var failures = new List<string>();
        var removed = new List<string>();
        foreach (var ns in state.Namespaces.Where(NetworkNamespace.Exists))
        {
            var inside = await ProcessesInAsync(ns, cancellationToken).ConfigureAwait(false);
            stopped += await StopAsync(inside, time, cancellationToken).ConfigureAwait(false);
            var result = await ExternalCommand.RunAsync("ip", ["netns", "delete", ns], "/", cancellationToken).ConfigureAwait(false);
            if (result.ExitCode == 0 || !NetworkNamespace.Exists(ns))
            {
                removed.Add(ns);
            }
            else
            {
                failures.Add($"ip netns delete {ns}: {result.FirstErrorLine}");
            }
        }

        if (failures.Count > 0)
        {
            return new LabDownResult.Incomplete(string.Join("; ", failures));
        }

        store.Delete(name);
        return new LabDownResult.Removed(removed, stopped);
    }

    /// <summary>The processes whose network namespace is <paramref name="ns"/> (<c>ip netns pids</c>), except this one.</summary>
    private static async Task<IReadOnlyList<ProcessIdentity>> ProcessesInAsync(string ns, CancellationToken cancellationToken)
    {
        var (_, output) = await RunCapturingAsync("ip", ["netns", "pids", ns], cancellationToken).ConfigureAwait(false);
        return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(text => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? ProcessIdentity.Of(pid) : null)
            .OfType<ProcessIdentity>()
            .Where(p => p.Pid != Environment.ProcessId)];
    }

    /// <summary>SIGTERM, then SIGKILL to whatever still runs after <see cref="_stopGrace"/>; waits until each is gone. Returns how many were signalled.</summary>
    private static async Task<int> StopAsync(IReadOnlyList<ProcessIdentity> processes, TimeProvider time, CancellationToken cancellationToken)
    {
        var signalled = 0;
        foreach (var process in processes.Where(p => p.IsAlive))
        {
            _ = NativeMethods.Kill(process.Pid, NativeMethods.SigTerm);
            signalled++;
        }

        var started = time.GetTimestamp();
        var killed = false;
        while (processes.Any(p => p.IsAlive))
        {
            if (!killed && time.GetElapsedTime(started) > _stopGrace)
            {
                foreach (var process in processes.Where(p => p.IsAlive))
                {
                    _ = NativeMethods.Kill(process.Pid, NativeMethods.SigKill);
                }

                killed = true;
            }
            else if (time.GetElapsedTime(started) > 3 * _stopGrace)
            {
                throw new IOException($"process {processes.First(p => p.IsAlive).Pid} survived SIGKILL for {2 * _stopGrace.TotalSeconds:0} s");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), time, cancellationToken).ConfigureAwait(false);
        }

        return signalled;
    }
}
