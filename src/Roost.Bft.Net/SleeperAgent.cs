using System.Net.Sockets;
using System.Numerics;
using Roost.Bft.Crypto;
using Roost.Bft.Messages;

namespace Roost.Bft.Net;

/// <summary>
/// The host-side agent of one execution replica (ZZ §4: the hypervisor's control daemon). Its sleeper is a frozen
/// process or a paused VM (<see cref="ISleeper"/>); "freeze" and "thaw" below stand for both. A frozen executor cannot
/// read its own wake command, so agreement replicas send it to the agent too; the agent thaws the process on f+1
/// matching wake commands from distinct agreement replicas for one generation (a Byzantine replica alone cannot wake
/// it), and the thawed executor then reads the same commands from its sockets and resumes through the protocol. It
/// freezes the process when the executor reports it went to sleep, unless f+1 wake commands for the new generation
/// already arrived; wakes for a generation older than the last one it reported are stale and ignored. It accepts only frames from agreement replicas, authenticated with the executor's pair keys.
/// </summary>
internal sealed class SleeperAgent
{
    private readonly int _executor;
    private readonly int _f;
    private readonly ISleeper _freezer;
    private readonly Action<string> _log;
    private readonly Lock _lock = new();
    private readonly Dictionary<int, ulong> _wakeVotes = [];
    private int _generation;
    private bool _stopped;

    public SleeperAgent(int executor, int f, ISleeper freezer, Action<string> log)
    {
        _executor = executor;
        _f = f;
        _freezer = freezer;
        _log = log;
    }

    public int Thaws { get; private set; }

    public int Freezes { get; private set; }

    /// <summary>The cluster is stopping: thaw the process (a frozen process cannot die) and never freeze it again.</summary>
    public void Stop()
    {
        lock (_lock)
        {
            _stopped = true;
            if (_freezer is IDisposable disposable)
            {
                disposable.Dispose();
            }
        }
    }

    /// <summary>The executor reported it is awake at <paramref name="generation"/>: wakes for older generations are stale.</summary>
    public void OnAwake(int generation)
    {
        lock (_lock)
        {
            _generation = Math.Max(_generation, generation);
        }
    }

    /// <summary>The executor reported it is asleep at <paramref name="generation"/>: freeze it, unless already woken.</summary>
    public void OnAsleep(int generation)
    {
        lock (_lock)
        {
            _generation = Math.Max(_generation, generation);
            if (_stopped || BitOperations.PopCount(_wakeVotes.GetValueOrDefault(generation)) > _f)
            {
                return;
            }

            _freezer.Freeze();
            Freezes++;
            _log($"e{_executor} frozen at generation {generation} ({_freezer.Mechanism})");
        }
    }

    public Task RunAsync(TcpListener listener, Keyring keyring, TextWriter errors, CancellationToken cancellationToken) =>
        NodeHost.AcceptAsync(listener, NodeId.Execution(_executor), (from, message) =>
        {
            if (from.Role == NodeRole.Agreement && message is Control { Kind: ControlKind.Wake, Generation: var generation })
            {
                OnWake(from.Index, generation);
            }

            return ValueTask.CompletedTask;
        }, keyring, errors, cancellationToken);

    private void OnWake(int replica, int generation)
    {
        lock (_lock)
        {
            // A wake for an older generation is stale (late, replayed, or a controller's outdated belief): the
            // executor would ignore it, so it must not thaw the process either.
            if (replica >= 64 || generation < _generation)
            {
                return;
            }

            var votes = _wakeVotes.GetValueOrDefault(generation) | (1UL << replica);
            _wakeVotes[generation] = votes;
            if (_wakeVotes.Count > 64)
            {
                // Bounded whatever a Byzantine replica sends: the lowest generations go first.
                _wakeVotes.Remove(_wakeVotes.Keys.Min());
            }

            if (BitOperations.PopCount(votes) > _f && _freezer.IsFrozen)
            {
                _freezer.Thaw();
                Thaws++;
                _log($"e{_executor} thawed: {BitOperations.PopCount(votes)} agreement replicas sent wake for generation {generation}");
            }
        }
    }
}
