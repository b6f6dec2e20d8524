using System.Net.Sockets;
using Roost.Core.Migration.Stream;

namespace Roost.Hypervisor.Relay;

/// <summary>
/// The sockets of one relay end and its way out, shared by both ends: every socket is tracked, the first failure is
/// kept, and finishing closes everything once and completes <see cref="Completion"/> with the session's traffic.
/// Writes are bounded by <see cref="RelayTimeouts.Write"/>: a peer or QEMU that takes no bytes for that long fails
/// the relay, as a cut link would.
/// </summary>
internal sealed class RelayConnections(RelayTimeouts timeouts, TimeProvider time, Func<RelayTraffic> traffic, Func<bool> completed) : IDisposable
{
    private readonly List<Socket> _sockets = [];
    private readonly List<TcpListener> _listeners = [];
    private readonly TaskCompletionSource<RelayResult> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly long _started = time.GetTimestamp();
    private string? _failure;
    private int _shutDown;

    public CancellationTokenSource Stop { get; } = new();

    public Task<RelayResult> Completion => _done.Task;

    public string? Failure
    {
        get
        {
            lock (_sockets)
            {
                return _failure;
            }
        }
    }

    public void Track(Socket socket)
    {
        lock (_sockets)
        {
            _sockets.Add(socket);
            if (_done.Task.IsCompleted)
            {
                socket.Dispose();
            }
        }
    }

    public void Track(TcpListener listener)
    {
        lock (_sockets)
        {
            _listeners.Add(listener);
        }
    }

    /// <summary>Writes all of <paramref name="bytes"/> to <paramref name="socket"/>, or fails the relay naming <paramref name="what"/>.</summary>
    public async Task<bool> SendAsync(Socket socket, ReadOnlyMemory<byte> bytes, string what)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Stop.Token);
        timeout.CancelAfter(timeouts.Write);
        try
        {
            var sent = 0;
            while (sent < bytes.Length)
            {
                sent += await socket.SendAsync(bytes[sent..], SocketFlags.None, timeout.Token).ConfigureAwait(false);
            }

            return true;
        }
        catch (OperationCanceledException) when (!Stop.IsCancellationRequested)
        {
            Fail($"{what} took no bytes for {timeouts.Write.TotalSeconds:0} s");
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            Fail($"the connection to {what} broke: {e.Message}");
        }

        return false;
    }

    /// <summary>Keeps the first reason and finishes.</summary>
    public void Fail(string reason)
    {
        lock (_sockets)
        {
            _failure ??= reason;
        }

        Finish();
    }

    /// <summary>Closes every socket and listener once; completes <see cref="Completion"/>.</summary>
    public void Finish()
    {
        lock (_sockets)
        {
            if (_done.Task.IsCompleted)
            {
                return;
            }

            Stop.Cancel();
            foreach (var listener in _listeners)
            {
                listener.Stop();
            }

            foreach (var socket in _sockets)
            {
                // Linger 0: a reset, so a QEMU reading from us sees the stream broken, not merely ended.
                if (_failure is not null)
                {
                    try
                    {
                        socket.LingerState = new LingerOption(true, 0);
                    }
                    catch (Exception e) when (e is SocketException or ObjectDisposedException)
                    {
                        // Already closed.
                    }
                }

                socket.Dispose();
            }

            var whole = _failure is null && completed();
            _done.TrySetResult(new RelayResult(whole, whole ? null : _failure ?? "the relay stopped before every stream ended", traffic(), time.GetElapsedTime(_started)));
        }
    }

    public void Dispose() => Stop.Dispose();

    /// <summary>Fails the relay if it still runs, waits until it finished, then frees the session under its lock (once: later calls only wait).</summary>
    public async ValueTask ShutdownAsync(SemaphoreSlim gate, IDisposable? session)
    {
        Fail("the relay was shut down");
        await Completion.ConfigureAwait(false);
        if (Interlocked.Exchange(ref _shutDown, 1) == 1)
        {
            // Shut down before: what it freed stays freed.
            return;
        }

        await gate.WaitAsync().ConfigureAwait(false);
        session?.Dispose();
        Dispose();
        gate.Release();
        gate.Dispose();
    }
}
