using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Roost.Hypervisor.Qemu;

/// <summary>
/// The host end of the guest reporter's serial line (QEMU exposes ttyS1 as a unix socket). Keeps the latest
/// <see cref="GuestReport"/>, lets callers wait for a report or an acknowledgement, and sends load commands.
/// Everything on this line comes from the guest and is untrusted: a line longer than <see cref="MaxLineBytes"/> is
/// dropped whole (so memory stays bounded whatever the guest sends), lines that are not a JSON object (a line cut in
/// two by a migration's switch-over, noise) are skipped, and values are only ever parsed into bounded numbers
/// (<see cref="GuestReport.TryParse"/>, <see cref="MemtestReport.TryParse"/>); nothing the guest sends is executed,
/// and no command is built from it. Thread-safe.
/// </summary>
public sealed class ReporterChannel : IAsyncDisposable
{
    /// <summary>The longest line accepted from the guest; longer ones are dropped (counted in <see cref="DroppedLines"/>).</summary>
    public const int MaxLineBytes = 4096;

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly List<Waiter> _waiters = [];
    private readonly SemaphoreSlim _commandLock = new(1, 1);
    private readonly CancellationTokenSource _closing = new();
    private Task _readLoop = Task.CompletedTask;
    private GuestReport? _latest;
    private long _droppedLines;

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

    /// <summary>Lines dropped for being longer than <see cref="MaxLineBytes"/>.</summary>
    public long DroppedLines => Interlocked.Read(ref _droppedLines);

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

        return ReportAsync(waiter, timeout, cancellationToken);
    }

    private async Task<GuestReport> ReportAsync(Waiter waiter, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var line = await WaitAsync(waiter, timeout, cancellationToken).ConfigureAwait(false);
        return GuestReport.TryParse(line) ?? throw new InvalidOperationException("a waiter matched a line that is no report");
    }

    /// <summary>
    /// Sends one reporter command (<c>cpu 2</c>, <c>mem 64</c>, <c>mark TEXT</c>, <c>stop</c>) and waits for its
    /// acknowledgement. Returns false when the guest did not acknowledge within <paramref name="timeout"/>.
    /// </summary>
    public async Task<bool> SendAsync(string command, TimeSpan timeout, CancellationToken cancellationToken) =>
        await RequestAsync(command, timeout, cancellationToken).ConfigureAwait(false) is not null;

    /// <summary>
    /// Sends one reporter command and returns its acknowledgement line (a JSON object whose <c>ack</c> is the command's
    /// verb, or <c>error</c>), or null when the guest did not acknowledge within <paramref name="timeout"/>. The line
    /// is the guest's: parse it with a validating reader.
    /// </summary>
    public async Task<JsonElement?> RequestAsync(string command, TimeSpan timeout, CancellationToken cancellationToken)
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
            var waiter = new Waiter(line => line.TryGetProperty("ack", out var ack) && ack.ValueKind == JsonValueKind.String
                && (ack.GetString() == verb || ack.GetString() == "error"));
            lock (_gate)
            {
                _waiters.Add(waiter);
            }

            await _stream.WriteAsync(Encoding.UTF8.GetBytes(command + "\n"), cancellationToken).ConfigureAwait(false);
            try
            {
                return await WaitAsync(waiter, timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return null;
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

    private async Task<JsonElement> WaitAsync(Waiter waiter, TimeSpan timeout, CancellationToken cancellationToken)
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
        var buffer = new byte[MaxLineBytes];
        var line = new byte[MaxLineBytes];
        var length = 0;
        var overlong = false;
        try
        {
            int read;
            while ((read = await _stream.ReadAsync(buffer, _closing.Token).ConfigureAwait(false)) > 0)
            {
                foreach (var b in buffer.AsSpan(0, read))
                {
                    if (b == (byte)'\n')
                    {
                        if (!overlong)
                        {
                            Dispatch(Encoding.UTF8.GetString(line, 0, length).Trim('\r', '\0', ' '));
                        }

                        (length, overlong) = (0, false);
                    }
                    else if (overlong)
                    {
                        continue;
                    }
                    else if (length == MaxLineBytes)
                    {
                        overlong = true;
                        Interlocked.Increment(ref _droppedLines);
                    }
                    else
                    {
                        line[length++] = b;
                    }
                }
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

        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(line, new JsonDocumentOptions { MaxDepth = 8 });
            root = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return;
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        var report = GuestReport.TryParse(root);
        lock (_gate)
        {
            if (report is not null)
            {
                _latest = report;
            }

            foreach (var waiter in _waiters.Where(w => w.Matches(root)).ToList())
            {
                waiter.Completion.TrySetResult(root);
                _waiters.Remove(waiter);
            }
        }
    }

    private sealed class Waiter(Func<JsonElement, bool> matches)
    {
        public TaskCompletionSource<JsonElement> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Matches(JsonElement line) => matches(line);
    }
}
