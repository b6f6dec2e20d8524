using System.Globalization;

namespace Roost.Hypervisor.Ksm;

/// <summary>
/// KSM switched on for one experiment or test. Starting takes a machine-wide lock (a file lock, so two processes, or
/// two tests in one, never change KSM at once), remembers the settings in force and applies the experiment's;
/// disposing puts the old settings back (a KSM that was off is stopped with every page it merged unmerged, so nothing
/// of the session stays merged) and releases the lock. Destroy the guests before disposing: unmerging their pages
/// would be wasted work.
/// </summary>
public sealed class KsmSession : IDisposable
{
    private readonly FileStream _lock;
    private readonly KsmSettings _previous;
    private int _disposed;

    private KsmSession(KsmControl control, FileStream machineLock, KsmSettings previous)
    {
        Control = control;
        _lock = machineLock;
        _previous = previous;
    }

    public KsmControl Control { get; }

    /// <summary>Waits up to <paramref name="lockTimeout"/> for the machine's KSM lock, then applies <paramref name="settings"/>.</summary>
    public static async Task<KsmSession> StartAsync(KsmControl control, KsmSettings settings, TimeSpan lockTimeout, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(control);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(time);
        var started = time.GetTimestamp();
        var lockPath = control.LockPath;
        FileStream machineLock;
        while (true)
        {
            try
            {
                // FileShare.None is an exclusive flock(2) on Unix: held until the stream is closed or the process dies.
                machineLock = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                break;
            }
            catch (IOException) when (time.GetElapsedTime(started) < lockTimeout)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), time, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                throw new IOException($"KSM is in use by another session ({lockPath} locked for {lockTimeout.TotalSeconds:0} s): {e.Message}", e);
            }
        }

        try
        {
            var previous = control.ReadSettings();
            try
            {
                control.Apply(settings);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Apply writes knob by knob: put back the ones written before the failure, then report the failure.
                try
                {
                    control.Apply(previous);
                }
                catch (Exception restore) when (restore is IOException or UnauthorizedAccessException)
                {
                    throw new IOException($"cannot apply KSM settings ({e.Message}) nor put all the old ones back ({restore.Message})", e);
                }

                throw;
            }

            return new KsmSession(control, machineLock, previous);
        }
        catch
        {
            await machineLock.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Waits until KSM has converged: at least <paramref name="minimumFullScans"/> full scans since the call, and
    /// <c>pages_sharing</c> changed by at most <paramref name="tolerance"/> (a fraction) over the last full scan.
    /// Returns the counters then, or the last read when <paramref name="timeout"/> ran out first (not settled).
    /// </summary>
    public async Task<KsmConvergence> ConvergeAsync(TimeProvider time, TimeSpan timeout, CancellationToken cancellationToken, int minimumFullScans = 3, double tolerance = 0.005)
    {
        ArgumentNullException.ThrowIfNull(time);
        var started = time.GetTimestamp();
        var first = Control.ReadCounters();
        var atLastScan = first;
        var current = first;
        while (time.GetElapsedTime(started) < timeout)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), time, cancellationToken).ConfigureAwait(false);
            current = Control.ReadCounters();
            if (current.FullScans == atLastScan.FullScans)
            {
                continue;
            }

            var change = Math.Abs(current.PagesSharing - atLastScan.PagesSharing);
            var settled = current.FullScans - first.FullScans >= minimumFullScans && change <= tolerance * Math.Max(1, current.PagesSharing);
            atLastScan = current;
            if (settled)
            {
                return new KsmConvergence(current, current.FullScans - first.FullScans, true, time.GetElapsedTime(started));
            }
        }

        return new KsmConvergence(current, current.FullScans - first.FullScans, false, time.GetElapsedTime(started));
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        try
        {
            if (_previous.Run == 0)
            {
                // Stop and unmerge what this session merged: a KSM that was off leaves no merged page behind.
                Control.Apply(_previous with { Run = 2 });
            }

            Control.Apply(_previous);
        }
        finally
        {
            _lock.Dispose();
        }
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"KSM session (restores run={_previous.Run}, pages_to_scan={_previous.PagesToScan})");
}
