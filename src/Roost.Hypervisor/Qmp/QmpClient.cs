using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Roost.Hypervisor.Qmp;

/// <summary>
/// A QEMU Machine Protocol client over a unix socket: reads the greeting, negotiates capabilities, then runs
/// commands (matched to replies by id, so several may be in flight) and publishes events on <see cref="Events"/>.
/// When QEMU exits every pending and later command fails with a <see cref="QmpException"/> saying so.
/// Thread-safe: commands may be issued from any thread.
/// </summary>
public sealed partial class QmpClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly ConcurrentDictionary<long, (string Command, TaskCompletionSource<JsonElement> Reply)> _pending = new();
    private readonly Channel<QmpEvent> _events = Channel.CreateUnbounded<QmpEvent>();
    private readonly CancellationTokenSource _closing = new();
    private readonly string _socketPath;
    private Task _readLoop = Task.CompletedTask;
    private long _nextId;
    private volatile string? _closedReason;

    // QMP is one JSON object per line (CRLF-terminated). One buffer serves the greeting and then the read loop.
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    private QmpClient(Socket socket, string socketPath, TimeProvider time)
    {
        _socket = socket;
        _socketPath = socketPath;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _time = time;
    }

    /// <summary>How long a command may take before it fails with <c>Timeout</c>. Set it before issuing commands.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Completes when the connection closes (QEMU exited, or this client was disposed).</summary>
    public Task Closed => _readLoop;

    /// <summary>Events in arrival order. Completes when the connection closes.</summary>
    public ChannelReader<QmpEvent> Events => _events.Reader;

    /// <summary>The QEMU version from the greeting, e.g. <c>7.2.19</c>.</summary>
    public string QemuVersion { get; private set; } = "";

    /// <summary>Connects to a listening QMP socket, reads the greeting and leaves negotiation mode.</summary>
    public static async Task<QmpClient> ConnectAsync(string socketPath, TimeProvider time, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(socketPath);
        ArgumentNullException.ThrowIfNull(time);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        QmpClient? client = null;
        try
        {
            using var deadline = new CancellationTokenSource(timeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), linked.Token).ConfigureAwait(false);
            client = new QmpClient(socket, socketPath, time);
            var greeting = await client.ReadGreetingAsync(linked.Token).ConfigureAwait(false);
            client.QemuVersion = greeting;
            client._readLoop = Task.Run(client.ReadLoopAsync, CancellationToken.None);
            await client.ExecuteAsync("qmp_capabilities", null, linked.Token).ConfigureAwait(false);
            return client;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await DisposeQuietlyAsync(client, socket).ConfigureAwait(false);
            throw new QmpException($"QMP at {socketPath}: no greeting within {timeout.TotalSeconds:0.#} s", "Timeout");
        }
        catch (SocketException e)
        {
            await DisposeQuietlyAsync(client, socket).ConfigureAwait(false);
            throw new QmpException($"QMP at {socketPath}: cannot connect ({e.SocketErrorCode})", e);
        }
        catch (IOException e)
        {
            await DisposeQuietlyAsync(client, socket).ConfigureAwait(false);
            throw new QmpException($"QMP at {socketPath}: QEMU broke the connection during the greeting ({e.Message})", e);
        }
        catch
        {
            await DisposeQuietlyAsync(client, socket).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Runs one command and returns its <c>return</c> value; throws <see cref="QmpException"/> on an error reply.</summary>
    public async Task<JsonElement> ExecuteAsync(string command, JsonObject? arguments, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (_closedReason is { } reason)
        {
            throw new QmpException($"QMP '{command}': {reason}");
        }

        var id = Interlocked.Increment(ref _nextId);
        var reply = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = (command, reply);
        var message = new JsonObject { ["execute"] = command, ["id"] = id };
        if (arguments is not null)
        {
            message["arguments"] = arguments;
        }

        try
        {
            var bytes = Encoding.UTF8.GetBytes(message.ToJsonString() + "\n");
            await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await _stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                throw new QmpException($"QMP '{command}': {_closedReason ?? "QEMU closed its QMP socket (the process has exited)"}", e);
            }
            finally
            {
                _writeLock.Release();
            }

            // The read loop may have failed everything pending just before this command was registered.
            if (_closedReason is { } closed)
            {
                throw new QmpException($"QMP '{command}': {closed}");
            }

            return await reply.Task.WaitAsync(CommandTimeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new QmpException($"QMP '{command}': no reply within {CommandTimeout.TotalSeconds:0.#} s", "Timeout");
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _closedReason ??= "the QMP client was closed";
        await _closing.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        await _stream.DisposeAsync().ConfigureAwait(false);
        await _readLoop.ConfigureAwait(false);
        _closing.Dispose();
        _writeLock.Dispose();
    }

    private static async Task DisposeQuietlyAsync(QmpClient? client, Socket socket)
    {
        if (client is not null)
        {
            await client.DisposeAsync().ConfigureAwait(false);
        }
        else
        {
            socket.Dispose();
        }
    }

    private async Task<string> ReadGreetingAsync(CancellationToken cancellationToken)
    {
        var line = await ReadLineAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new QmpException($"QMP at {_socketPath}: QEMU closed the socket before its greeting");
        using var greeting = JsonDocument.Parse(line);
        if (!greeting.RootElement.TryGetProperty("QMP", out var qmp))
        {
            throw new QmpException($"QMP at {_socketPath}: expected a greeting, got '{Truncate(line)}'", "Protocol");
        }

        var version = qmp.GetProperty("version").GetProperty("qemu");
        return $"{version.GetProperty("major").GetInt32()}.{version.GetProperty("minor").GetInt32()}.{version.GetProperty("micro").GetInt32()}";
    }

    private async Task ReadLoopAsync()
    {
        var reason = "QEMU closed its QMP socket (the process has exited)";
        try
        {
            while (await ReadLineAsync(_closing.Token).ConfigureAwait(false) is { } line)
            {
                Dispatch(line);
            }
        }
        catch (OperationCanceledException)
        {
            reason = "the QMP client was closed";
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            reason = $"QEMU broke its QMP connection (the process has exited or crashed: {e.Message})";
        }
        catch (JsonException e)
        {
            reason = $"QEMU sent malformed QMP ({e.Message})";
        }

        _closedReason ??= reason;
        foreach (var (_, (command, reply)) in _pending)
        {
            reply.TrySetException(new QmpException($"QMP '{command}': {_closedReason}"));
        }

        _events.Writer.TryComplete();
    }

    private void Dispatch(string line)
    {
        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        if (root.TryGetProperty("event", out var name))
        {
            var seconds = root.GetProperty("timestamp").GetProperty("seconds").GetInt64();
            var micros = root.GetProperty("timestamp").GetProperty("microseconds").GetInt64();
            var data = root.TryGetProperty("data", out var d) ? d.Clone() : default;
            var at = DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(micros * 10);
            _events.Writer.TryWrite(new QmpEvent(name.GetString() ?? "", data, at));
            return;
        }

        if (!root.TryGetProperty("id", out var idElement) || !idElement.TryGetInt64(out var id)
            || !_pending.TryGetValue(id, out var entry))
        {
            return;
        }

        if (root.TryGetProperty("return", out var result))
        {
            entry.Reply.TrySetResult(result.Clone());
        }
        else if (root.TryGetProperty("error", out var error))
        {
            var errorClass = error.TryGetProperty("class", out var c) ? c.GetString() ?? "GenericError" : "GenericError";
            var desc = error.TryGetProperty("desc", out var text) ? text.GetString() : "unknown error";
            entry.Reply.TrySetException(new QmpException(desc ?? "unknown error", errorClass));
        }
    }

    private async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        var line = new MemoryStream();
        while (true)
        {
            if (_start == _end)
            {
                _start = 0;
                _end = await _stream.ReadAsync(_buffer, cancellationToken).ConfigureAwait(false);
                if (_end == 0)
                {
                    return line.Length > 0 ? Encoding.UTF8.GetString(line.ToArray()) : null;
                }
            }

            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newline < 0)
            {
                line.Write(_buffer, _start, _end - _start);
                _start = _end;
                continue;
            }

            line.Write(_buffer, _start, newline - _start);
            _start = newline + 1;
            var text = Encoding.UTF8.GetString(line.ToArray()).TrimEnd('\r');
            if (text.Length > 0)
            {
                return text;
            }

            line.SetLength(0);
        }
    }

    private static string Truncate(string text) => text.Length <= 80 ? text : text[..80] + "…";
}
