using System.Threading.Channels;
using Roost.Core.Migration;

namespace Roost.Hypervisor.Agent;

/// <summary>
/// What a migration driver needs around its sans-I/O machine, written once for both ends: one loop that hands the
/// inputs to the driver's step one at a time, in order; the real timers behind the machine's <c>ArmTimer</c> outputs
/// (one <see cref="ITimer"/> per <see cref="TimerKind"/> from the injected <see cref="TimeProvider"/>, re-armed in
/// place; an expiry is posted as the machine's own input, with its generation, so the machine can tell a stale one);
/// and commands run in the background whose answers come back as inputs.
/// </summary>
internal sealed class MachineLoop<TInput>(TimeProvider time) : IAsyncDisposable
{
    private readonly Channel<TInput> _inputs = Channel.CreateUnbounded<TInput>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly ITimer?[] _timers = new ITimer?[Enum.GetValues<TimerKind>().Length];
    private bool _timersStopped;
    private Task _loop = Task.CompletedTask;

    /// <summary>Starts the loop: <paramref name="first"/>, then every input posted, goes to <paramref name="step"/>.</summary>
    public void Start(TInput first, Func<TInput, Task> step)
    {
        _loop = Task.Run(async () =>
        {
            await foreach (var input in _inputs.Reader.ReadAllAsync().ConfigureAwait(false))
            {
                await step(input).ConfigureAwait(false);
            }
        });
        Post(first);
    }

    /// <summary>Queues an input; false once the loop is closed.</summary>
    public bool Post(TInput input) => _inputs.Writer.TryWrite(input);

    /// <summary>Takes no more inputs; those already queued are still stepped.</summary>
    public void Close() => _inputs.Writer.TryComplete();

    /// <summary>(Re-)arms timer <paramref name="kind"/>: after <paramref name="after"/>, <paramref name="expiry"/> is posted.</summary>
    public void Arm(TimerKind kind, TimeSpan after, TInput expiry)
    {
        lock (_timers)
        {
            if (_timersStopped)
            {
                return;
            }

            _timers[(int)kind]?.Dispose();
            _timers[(int)kind] = time.CreateTimer(_ => Post(expiry), null, after, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Disarms every timer for good (the machine has finished).</summary>
    public void StopTimers()
    {
        lock (_timers)
        {
            _timersStopped = true;
            foreach (var timer in _timers)
            {
                timer?.Dispose();
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="command"/> in the background and posts its reply through <paramref name="answer"/>. An
    /// exception <paramref name="failed"/> turns into a reply is answered with that reply; any other is a bug and left
    /// unanswered (the machine's deadline still ends the wait).
    /// </summary>
    public void Run<TReply>(Func<CancellationToken, Task<TReply>> command, Func<Exception, TReply?> failed, Func<TReply, TInput> answer)
        where TReply : class => _ = Task.Run(async () =>
        {
            TReply reply;
            try
            {
                reply = await command(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (failed(e) is { } failure)
            {
                reply = failure;
            }

            Post(answer(reply));
        });

    /// <summary>Cancels the commands still out (when the agent shuts down); otherwise each ends by its own timeout.</summary>
    public Task AbandonAsync() => _stop.CancelAsync();

    /// <summary>Closes the loop, stops the timers and waits until the inputs already queued are stepped.</summary>
    public async ValueTask DisposeAsync()
    {
        Close();
        StopTimers();
        await _loop.ConfigureAwait(false);
    }
}
