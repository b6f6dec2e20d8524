using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Roost.Bft.Crypto;
using Roost.Bft.Messages;
using Roost.Bft.Transport;

namespace Roost.Bft.Net;

/// <summary>
/// Runs one sans-I/O node (<see cref="IProtocolNode"/>: agreement replica, execution replica or client) on real
/// sockets and real timers: the same objects the simulator steps. One loop owns the node and is the only caller of
/// <see cref="IProtocolNode.Handle"/>; socket readers and timers only post inputs to it (a bounded queue, so a fast
/// sender is slowed, not buffered without limit). Inbound frames are authenticated with the pair's key
/// (<see cref="Frames"/>); a bad frame is one line on the error writer and its connection is dropped. An agreement
/// replica's wake commands are also sent to the executor's agent, which thaws a frozen sleeper (ZZ §4).
/// </summary>
public sealed class NodeHost
{
    private const int InputQueue = 8192;

    private readonly IProtocolNode _node;
    private readonly DeploymentConfig _config;
    private readonly Keyring _keyring;
    private readonly TimeProvider _time;
    private readonly TextWriter _errors;
    private readonly Channel<(Input Input, long Token)> _inputs = Channel.CreateBounded<(Input, long)>(new BoundedChannelOptions(InputQueue) { SingleReader = true });
    private readonly Dictionary<(IPEndPoint, NodeId), PeerLink> _links = [];
    private readonly List<Task> _tasks = [];
    private readonly ITimer?[] _timers = new ITimer?[Enum.GetValues<TimerKind>().Length];
    private readonly long[] _timerTokens = new long[Enum.GetValues<TimerKind>().Length];
    private CancellationToken _stopping;

    public NodeHost(IProtocolNode node, DeploymentConfig config, Keyring keyring, TimeProvider time, TextWriter errors)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(keyring);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(errors);
        _node = node;
        _config = config;
        _keyring = keyring;
        _time = time;
        _errors = errors;
    }

    public NodeId Id => _node.Id;

    /// <summary>Rewrites the node's outputs before they leave (a Byzantine node in experiments); runs on the loop.</summary>
    public Func<IReadOnlyList<Output>, IReadOnlyList<Output>>? Rewrite { get; init; }

    /// <summary>Called on the loop with every notice the node emits.</summary>
    public Action<ProtocolEvent>? Observe { get; init; }

    /// <summary>Completed once the listener accepts connections.</summary>
    public Task Listening => _listening.Task;

    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Hands the node an input from another thread (a client's next operation); waits while the queue is full.</summary>
    public ValueTask PostAsync(Input input, CancellationToken cancellationToken) => _inputs.Writer.WriteAsync((input, 0), cancellationToken);

    /// <summary>Listens on the node's address and runs the loop until cancelled.</summary>
    /// <remarks>
    /// A step that throws ends the node: its connections and timers stop and the exception comes out of this task
    /// (before, the loop's end waited on connections only the caller's cancellation stops, and the node hung silent).
    /// </remarks>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _stopping = stopping.Token;
        var listener = new TcpListener(_config.Addresses[_node.Id]);
        try
        {
            listener.Start(backlog: 64);
        }
        catch (SocketException e)
        {
            throw new ConfigException($"{_node.Id}: cannot listen on {_config.Addresses[_node.Id]}: {e.Message}");
        }

        _listening.TrySetResult();
        try
        {
            _tasks.Add(AcceptAsync(listener, _node.Id, (from, message) => _inputs.Writer.WriteAsync((new Input.Receive(from, message), 0), _stopping), _keyring, _errors, _stopping));
            Step(new Input.Start());
            await foreach (var (input, token) in _inputs.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                if (input is Input.TimerExpired { Kind: var kind })
                {
                    if (token != _timerTokens[(int)kind])
                    {
                        continue;
                    }

                    _timers[(int)kind]?.Dispose();
                    _timers[(int)kind] = null;
                }

                Step(input);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            await stopping.CancelAsync().ConfigureAwait(false);
            listener.Stop();
            foreach (var timer in _timers)
            {
                timer?.Dispose();
            }

            try
            {
                await Task.WhenAll(_tasks).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    /// <summary>
    /// Accepts connections on <paramref name="listener"/> and reads frames addressed to <paramref name="self"/> from
    /// each; a frame that fails a check is one line on <paramref name="errors"/> and ends its connection.
    /// </summary>
    internal static async Task AcceptAsync(TcpListener listener, NodeId self, Func<NodeId, Message, ValueTask> deliver, Keyring keyring, TextWriter errors, CancellationToken cancellationToken)
    {
        var readers = new List<Task>();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var socket = await listener.AcceptTcpClientAsync(cancellationToken).ConfigureAwait(false);
                readers.RemoveAll(t => t.IsCompleted);
                readers.Add(ReadAsync(socket, self, deliver, keyring, errors, cancellationToken));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        catch (SocketException) when (cancellationToken.IsCancellationRequested)
        {
        }

        await Task.WhenAll(readers).ConfigureAwait(false);
    }

    private static async Task ReadAsync(TcpClient socket, NodeId self, Func<NodeId, Message, ValueTask> deliver, Keyring keyring, TextWriter errors, CancellationToken cancellationToken)
    {
        using (socket)
        {
            var where = socket.Client.RemoteEndPoint?.ToString() ?? "a peer";
            var stream = socket.GetStream();
            var counter = new StrongBox<ulong>(0);
            try
            {
                while (await Frames.ReadAsync(stream, keyring, self, counter, where, cancellationToken).ConfigureAwait(false) is { } frame)
                {
                    await deliver(frame.From, frame.Message).ConfigureAwait(false);
                }
            }
            catch (FrameException e)
            {
                await errors.WriteLineAsync($"{self}: {e.Message}; connection dropped").ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException or ChannelClosedException)
            {
            }
        }
    }

    private void Step(Input input)
    {
        var outputs = _node.Handle(input);
        if (Rewrite is { } rewrite)
        {
            outputs = rewrite(outputs);
        }

        foreach (var output in outputs)
        {
            switch (output)
            {
                case Output.Send send:
                    Send(send.To, send.Message);
                    break;
                case Output.SetTimer timer:
                    Arm(timer.Kind, timer.After);
                    break;
                case Output.CancelTimer cancel:
                    _timerTokens[(int)cancel.Kind]++;
                    _timers[(int)cancel.Kind]?.Dispose();
                    _timers[(int)cancel.Kind] = null;
                    break;
                case Output.Notice notice:
                    Observe?.Invoke(notice.Event);
                    break;
                default:
                    break;
            }
        }
    }

    private void Send(NodeId to, Message message)
    {
        if (to == _node.Id)
        {
            _ = _inputs.Writer.TryWrite((new Input.Receive(to, message), 0));
            return;
        }

        if (!_config.Addresses.TryGetValue(to, out var address))
        {
            return;
        }

        Link(address, to).Enqueue(message);

        // The executor's own process may be frozen: its agent takes the wake command too and thaws it on f+1.
        if (_node.Id.Role == NodeRole.Agreement && to.Role == NodeRole.Execution && message is Control { Kind: ControlKind.Wake }
            && _config.Agents.TryGetValue(to.Index, out var agent))
        {
            Link(agent, to).Enqueue(message);
        }
    }

    private PeerLink Link(IPEndPoint address, NodeId to)
    {
        if (!_links.TryGetValue((address, to), out var link))
        {
            link = new PeerLink(_node.Id, to, address, _keyring, _time);
            _links[(address, to)] = link;
            _tasks.Add(link.RunAsync(_stopping));
        }

        return link;
    }

    private void Arm(TimerKind kind, TimeSpan after)
    {
        var token = ++_timerTokens[(int)kind];
        _timers[(int)kind]?.Dispose();
        _timers[(int)kind] = _time.CreateTimer(
            _ => _ = _inputs.Writer.WriteAsync((new Input.TimerExpired(kind), token), _stopping).AsTask().ContinueWith(static _ => { }, TaskScheduler.Default),
            null,
            after < TimeSpan.Zero ? TimeSpan.Zero : after,
            Timeout.InfiniteTimeSpan);
    }
}
