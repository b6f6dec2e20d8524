using System.Runtime.ExceptionServices;

namespace Roost.Simulation.DataCenter;

/// <summary>
/// A second thread for work that splits in two halves: the caller posts one half, does the other, then either takes
/// the posted half back (when the thread has not started it, e.g. because the machine is busy) and does it too, or
/// waits for it. So the caller never waits on a thread that is not running its job.
/// </summary>
/// <remarks>One job at a time; <see cref="Post"/>, <see cref="TryTakeBack"/> and <see cref="WaitDone"/> from one caller thread.</remarks>
internal sealed class PairedWorker : IDisposable
{
    private const int Idle = 0;
    private const int Posted = 1;
    private const int Running = 2;
    private const int Done = 3;

    // Jobs come microseconds apart while planning: each side spins for some 50 µs (64 rounds of 20 pauses) before it
    // blocks, so an idle worker does not hold a core while the host updates want both.
    private const int SpinRounds = 64;

    private readonly Thread _thread;
    private readonly Action _job;
    private readonly ManualResetEventSlim _posted = new(false, 0);
    private readonly ManualResetEventSlim _done = new(false, 0);
    private int _state;
    private volatile bool _stopping;
    private Exception? _failure;

    public PairedWorker(string name, Action job)
    {
        _job = job;
        _thread = new Thread(Loop) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>Offers the job to the thread; the job's inputs must be written before.</summary>
    public void Post()
    {
        _done.Reset();
        Volatile.Write(ref _state, Posted);
        _posted.Set();
    }

    /// <summary>True if the thread had not started the job: it never will, and the caller must run it itself.</summary>
    public bool TryTakeBack() => Interlocked.CompareExchange(ref _state, Idle, Posted) == Posted;

    /// <summary>Waits for a job the thread started; rethrows what it threw.</summary>
    public void WaitDone()
    {
        SpinUntil(Done);
        _done.Wait();
        Volatile.Write(ref _state, Idle);
        if (_failure is { } failure)
        {
            _failure = null;
            ExceptionDispatchInfo.Throw(failure);
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _posted.Set();
        _thread.Join();
        _posted.Dispose();
        _done.Dispose();
    }

    private void SpinUntil(int state)
    {
        for (var round = 0; round < SpinRounds && Volatile.Read(ref _state) != state && !_stopping; round++)
        {
            Thread.SpinWait(20);
        }
    }

    private void Loop()
    {
        while (true)
        {
            SpinUntil(Posted);
            _posted.Wait();
            _posted.Reset();
            if (_stopping)
            {
                return;
            }

            if (Interlocked.CompareExchange(ref _state, Running, Posted) != Posted)
            {
                continue;
            }

            try
            {
                _job();
            }
#pragma warning disable CA1031 // Whatever the job throws is rethrown on the caller's thread.
            catch (Exception e)
#pragma warning restore CA1031
            {
                _failure = e;
            }

            Volatile.Write(ref _state, Done);
            _done.Set();
        }
    }
}
