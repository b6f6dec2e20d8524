using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Roost.Hypervisor.Qemu;

/// <summary>
/// The host end of the guest reporter's serial line (QEMU exposes ttyS1 as a unix socket). Keeps the latest
/// <see cref="GuestReport"/>, lets callers wait for a report or an acknowledgement, and sends load commands.
/// Lines that are not JSON (a line cut in two by a migration's switch-over) are skipped. Thread-safe.
/// </summary>
public sealed class ReporterChannel : IAsyncDisposable
{
    private static readonly GuestReport _empty = new(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly List<Waiter> _waiters = [];
    private readonly SemaphoreSlim _commandLock = new(1, 1);
    private readonly CancellationTokenSource _closing = new();
    private Task _readLoop = Task.CompletedTask;
    private GuestReport? _latest;

    private ReporterChannel(Socket socket, TimeProvider time)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _time = time;
    }

    /// <summary>The most recent report, or null before the first.</summary>
    public GuestReport? Latest
    {
        get
        {
            lock (_gate)
            {
                return _latest;
            }
        }
    }

    public static async Task<ReporterChannel> ConnectAsync(string socketPath, TimeProvider time, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var channel = new ReporterChannel(socket, time);
        channel._readLoop = Task.Run(channel.ReadLoopAsync, CancellationToken.None);
        return channel;
    }

    /// <summary>Waits for a report satisfying <paramref name="predicate"/> (the latest one counts). Throws TimeoutException.</summary>
    public Task<GuestReport> WaitForReportAsync(Func<GuestReport, bool> predicate, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var waiter = new Waiter(line => GuestReport.TryParse(line) is { } r && predicate(r));
        lock (_gate)
        {
            if (_latest is { } latest && predicate(latest))
            {
                return Task.FromResult(latest);
            }

            _waiters.Add(waiter);
        }

        return WaitAsync(waiter, timeout, cancellationToken);
    }

    /// <summary>
    /// Sends one reporter command (<c>cpu 2</c>, <c>mem 64</c>, <c>mark TEXT</c>, <c>stop</c>) and waits for its
    /// acknowledgement. Returns false when the guest did not acknowledge within <paramref name="timeout"/>.
    /// </summary>
    public async Task<bool> SendAsync(string command, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(command);
        if (command.Contains('\n', StringComparison.Ordinal))
        {
            throw new ArgumentException("a reporter command is one line", nameof(command));
        }

        var verb = command.Split(' ', 2)[0];
        await _commandLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var waiter = new Waiter(line => line.TryGetProperty("ack", out var ack) && (ack.GetString() == verb || ack.GetString() == "error"));
            lock (_gate)
            {
                _waiters.Add(waiter);
            }

            await _stream.WriteAsync(Encoding.UTF8.GetBytes(command + "\n"), cancellationToken).ConfigureAwait(false);
            try
            {
                await WaitAsync(waiter, timeout, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (TimeoutException)
            {
                return false;
            }
        }
        finally
        {
            _commandLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _closing.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        await _stream.DisposeAsync().ConfigureAwait(false);
        await _readLoop.ConfigureAwait(false);
        _closing.Dispose();
        _commandLock.Dispose();
    }

    private async Task<GuestReport> WaitAsync(Waiter waiter, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            return await waiter.Completion.Task.WaitAsync(timeout, _time, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lock (_gate)
            {
                _waiters.Remove(waiter);
            }
        }
    }

    private async Task ReadLoopAsync()
    {
        var reader = new StreamReader(_stream, Encoding.UTF8);
        try
        {
            while (await reader.ReadLineAsync(_closing.Token).ConfigureAwait(false) is { } line)
            {
                Dispatch(line.Trim('\r', '\0', ' '));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // The guest or QEMU is gone; waiters time out on their own.
        }
    }

    private void Dispatch(string line)
    {
        if (!line.StartsWith('{'))
        {
            return;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException)
        {
            return;
        }

        using (document)
        {
            var report = GuestReport.TryParse(document.RootElement);
            lock (_gate)
            {
                if (report is not null)
                {
                    _latest = report;
                }

                foreach (var waiter in _waiters.Where(w => w.Matches(document.RootElement)).ToList())
                {
                    waiter.Completion.TrySetResult(report ?? _latest ?? _empty);
                    _waiters.Remove(waiter);
                }
            }
        }
    }

    private sealed class Waiter(Func<JsonElement, bool> matches)
    {
        public TaskCompletionSource<GuestReport> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Matches(JsonElement line) => matches(line);
    }
}
