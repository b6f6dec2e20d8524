using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Roost.Hypervisor.Lab.Relay;

namespace Roost.Hypervisor.Lab;

public sealed partial class WanLab
{
    /// <summary>The first line a relay prints once its sockets are open; anything else is its error.</summary>
    public const string RelayReadyLine = "ready";

    /// <summary>
    /// The relay process's body (<c>roost lab relay --name NAME</c>, started by <see cref="UpAsync"/> inside the lab's
    /// wan namespace): reads the lab's state, opens its ports, calls <paramref name="ready"/> (which prints
    /// <see cref="RelayReadyLine"/>), detaches from the caller's session and standard streams, and relays until
    /// stopped, a port vanishes or the lab's owner dies. Why it stopped is appended to the lab's relay log.
    /// Throws <see cref="IOException"/> (before <paramref name="ready"/>) when the lab or a port is missing.
    /// </summary>
    public static RelayExit RunRelay(LabName name, LabStateStore store, TimeProvider time, Action ready, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(ready);
        var state = store.TryRead(name) ?? throw new IOException($"no lab named '{name}' in {store.Directory}");
        var layout = new WanLabLayout(name, state.Options);
        var settings = new RelaySettings(layout.RelayPorts, layout.OneWayDelay, layout.RelayQueueBytes, store.StatsPath(name), state.Owner);
        using var relay = WanRelay.Open(settings, time);
        var realTime = relay.TryEnableRealTime();
        ready();
        DetachFromCaller();
        store.AppendLog(name, $"{time.GetUtcNow():O} relay {Environment.ProcessId} started: ports {string.Join(',', settings.Ports)}, "
            + $"one-way delay {WanLabOptions.FormatDuration(settings.OneWayDelay)}, queue {settings.QueueBytesPerPort} bytes per port, "
            + (realTime ? "SCHED_FIFO" : "normal priority (SCHED_FIFO refused)"));
        var exit = relay.Run(cancellationToken);
        store.AppendLog(name, $"{time.GetUtcNow():O} relay {Environment.ProcessId} stopped: {exit}");
        return exit;
    }

    /// <summary>Starts the relay in the wan namespace and waits for its ready line; the identity on success, else the error line.</summary>
    private static async Task<(ProcessIdentity? Identity, string Error)> StartRelayAsync(
        WanLabLayout layout,
        RelayLauncher launcher,
        LabStateStore store,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("ip")
        {
            // Pipes, never the caller's terminal: 'x=$(roost lab wan up)' must not wait for the relay to exit.
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["netns", "exec", layout.WanNamespace, launcher.File, .. launcher.Arguments,
                     "lab", "relay", "--name", layout.Name.Value, "--state-dir", store.Directory])
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new Win32Exception("no process");
        }
        catch (Win32Exception e)
        {
            return (null, $"cannot start {launcher.File}: {e.Message}");
        }

        using (process)
        {
            // Taken now ('ip' execs the relay in place, same pid and start time): a relay that is ready and then
            // stops at once (its owner already gone) is still known, and 'down' or the sweeper finds it gone.
            var identity = ProcessIdentity.Of(process.Id);
            using var timeout = new CancellationTokenSource(_relayStartTimeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
            string? line;
            try
            {
                line = await process.StandardOutput.ReadLineAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                line = $"not ready after {_relayStartTimeout.TotalSeconds:0} s";
            }

            if (line == RelayReadyLine && identity is { } ready)
            {
                return (ready, "");
            }

            if (!process.HasExited)
            {
                process.Kill();
            }

            var error = line ?? await process.StandardError.ReadToEndAsync(CancellationToken.None).ConfigureAwait(false);
            return (null, string.IsNullOrWhiteSpace(error) ? $"exited with code {ExitCode(process)}" : error.Trim());
        }
    }

    private static string ExitCode(Process process) =>
        process.WaitForExit(TimeSpan.FromSeconds(5)) ? process.ExitCode.ToString(CultureInfo.InvariantCulture) : "unknown";

    /// <summary>
    /// A new session (no terminal's signals reach the relay) and /dev/null on the standard streams, so the pipes
    /// <c>up</c> read the ready line from can close with <c>up</c>.
    /// </summary>
    private static void DetachFromCaller()
    {
        _ = NativeMethods.SetSid();
        using var devNull = File.OpenHandle("/dev/null", FileMode.Open, FileAccess.ReadWrite);
        var fd = (int)devNull.DangerousGetHandle();
        for (var target = 0; target <= 2; target++)
        {
            _ = NativeMethods.Dup2(fd, target);
        }
    }
}
