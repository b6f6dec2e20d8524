using Roost.Core.Model;
using Roost.Core.Recovery;

namespace Roost.Core.Tests.Recovery;

/// <summary>
/// One seeded run of the replication protocol: three protected VMs at a primary site driven by a random guest
/// workload (writes, packets to clients, packets between the VMs), a link that loses, duplicates and reorders
/// messages, a cloud site whose manager restarts from its durable journal, and (in some runs) a primary crash at a
/// random step. It keeps its own record of what each guest has seen (not the replicator's counters) and checks the
/// invariants as it goes; <see cref="Violations"/> lists what broke.
/// </summary>
internal sealed class ReplicationSimulation
{
    public const int DiskBytes = 512;
    private const int VmCount = 3;

    private readonly Random _random;
    private readonly ReplicationMode _mode;
    private readonly int _maxLag;
    private readonly ReplicationManagerOptions _managerOptions;
    private readonly List<ProtectedDisk> _disks = [.. Enumerable.Range(1, VmCount).Select(i => new ProtectedDisk(new VmId(i), DiskBytes))];
    private readonly Replicator _replicator;
    private readonly List<(bool ToBackup, ReplicationMessage Message)> _link = [];

    // The cloud site's durable storage: base image, journal after it, applied prefix, checkpoints.
    private readonly byte[][] _base = [.. Enumerable.Range(0, VmCount).Select(_ => new byte[DiskBytes])];
    private readonly long[] _baseThrough = new long[VmCount];
    private readonly List<ReplicationMessage.Write>[] _journal = [.. Enumerable.Range(0, VmCount).Select(_ => new List<ReplicationMessage.Write>())];
    private readonly long[] _durable = new long[VmCount];
    private readonly List<ReplicaCheckpoint> _checkpoints = [];
    private ReplicationManager _manager;

    // What the guests did and saw.
    private readonly List<(long Offset, byte[] Data)>[] _writes = [.. Enumerable.Range(0, VmCount).Select(_ => new List<(long, byte[])>())];
    private readonly long[] _completed = new long[VmCount];
    private readonly long[][] _seen = [.. Enumerable.Range(0, VmCount).Select(_ => new long[VmCount])];
    private readonly Dictionary<long, long[]> _packetNeeds = [];
    private readonly Dictionary<long, long[]> _internalCarries = [];
    private readonly HashSet<long> _released = [];
    private readonly HashSet<long> _dropped = [];
    private long _nextPacket;
    private bool _retransmitArmed;
    private bool _checkpointArmed;
    private TimeSpan _now;
    private bool _ackInFlightToReplicator;

    public ReplicationSimulation(int seed, ReplicationMode mode)
    {
        _random = new Random(seed);
        _mode = mode;
        _maxLag = _random.Next(1, 9);
        _managerOptions = new ReplicationManagerOptions { RetainCheckpoints = _random.Next(1, 5), MaxOutOfOrderWrites = _random.Next(0, 6) };
        _replicator = new Replicator(new ReplicatorOptions { Mode = mode, MaxUnackedWrites = _maxLag, MaxHeldPackets = 64 }, _disks.Select(d => d.Vm));
        _manager = StartManager();
    }

    public List<string> Violations { get; } = [];

    /// <summary>Packets released while a write they depend on was not yet durable (expected only in async mode).</summary>
    public int EarlyReleases { get; private set; }

    /// <summary>Packets released in answer to an ack, i.e. held first (pipelined mode's work).</summary>
    public int ReleasesAfterHold { get; private set; }

    public bool Crashed { get; private set; }

    public void Run(int steps)
    {
        var crashAt = _random.Next(2) == 0 ? _random.Next(1, steps) : -1;
        for (var step = 0; step < steps && Violations.Count == 0; step++)
        {
            if (step == crashAt)
            {
                // The primary site is lost: every process gone, its link cut. Nothing in flight arrives.
                Crashed = true;
                _link.Clear();
                CheckAfterCrash();
                return;
            }

            _now += TimeSpan.FromMilliseconds(1);
            Step();
        }

        if (Violations.Count == 0)
        {
            Heal();
        }
    }

    private void Step()
    {
        var roll = _random.Next(100);
        var vm = _random.Next(VmCount);
        switch (roll)
        {
            case < 25:
                var length = _random.Next(1, 33);
                var data = new byte[length];
                _random.NextBytes(data);
                var offset = _random.Next(0, DiskBytes - length + 1);
                _writes[vm].Add((offset, data));
                Primary(new ReplicatorInput.GuestWrite(new VmId(vm + 1), _writes[vm].Count, offset, data));
                break;
            case < 37:
                var packet = ++_nextPacket;
                _packetNeeds[packet] = [.. _seen[vm]];
                Primary(new ReplicatorInput.GuestPacket(new VmId(vm + 1), packet, null));
                break;
            case < 45:
                var to = (vm + 1 + _random.Next(VmCount - 1)) % VmCount;
                var internalPacket = ++_nextPacket;
                _internalCarries[internalPacket] = [.. _seen[vm]];
                Primary(new ReplicatorInput.GuestPacket(new VmId(vm + 1), internalPacket, new VmId(to + 1)));
                break;
            case < 75 when _link.Count > 0:
                Deliver(_random.Next(_link.Count));
                break;
            case < 80 when _link.Count > 0:
                _link.RemoveAt(_random.Next(_link.Count));
                break;
            case < 85 when _link.Count > 0:
                _link.Add(_link[_random.Next(_link.Count)]);
                break;
            case < 91 when _retransmitArmed:
                _retransmitArmed = false;
                Primary(new ReplicatorInput.RetransmitDue());
                break;
            case < 97 when _checkpointArmed:
                _checkpointArmed = false;
                Backup(new ManagerInput.CheckpointDue(_now));
                break;
            case 99:
                // The cloud site's manager restarts: what it held in memory is gone, its journal is not.
                CheckDisks();
                _manager = StartManager();
                break;
            default:
                break;
        }
    }

    private ReplicationManager StartManager()
    {
        var recovered = new ReplicaRecovery(_disks.ToDictionary(d => d.Vm, d => _durable[d.Vm.Value - 1]), [.. _checkpoints]);
        var manager = new ReplicationManager(_managerOptions, _disks, recovered);
        _checkpointArmed = false;
        _manager = manager;
        Backup(new ManagerInput.Started(_now));
        return manager;
    }

    private void Deliver(int index)
    {
        var (toBackup, message) = _link[index];
        _link.RemoveAt(index);
        if (toBackup)
        {
            Backup(new ManagerInput.Received(message, _now));
        }
        else
        {
            _ackInFlightToReplicator = true;
            Primary(new ReplicatorInput.Received(message));
            _ackInFlightToReplicator = false;
        }
    }

    private void Primary(ReplicatorInput input)
    {
        var carried = input is ReplicatorInput.GuestPacket { To: not null } p ? _internalCarries[p.Packet] : null;
        foreach (var output in _replicator.Handle(input))
        {
            switch (output)
            {
                case ReplicatorOutput.Send send:
                    _link.Add((true, send.Message));
                    break;
                case ReplicatorOutput.CompleteWrite complete:
                    OnComplete(complete.Vm.Value - 1, complete.Request);
                    break;
                case ReplicatorOutput.ReleasePacket release:
                    OnRelease(release.Packet);
                    break;
                case ReplicatorOutput.DeliverInternal deliver when carried is not null:
                    var receiver = _seen[deliver.To.Value - 1];
                    for (var j = 0; j < VmCount; j++)
                    {
                        receiver[j] = Math.Max(receiver[j], carried[j]);
                    }

                    break;
                case ReplicatorOutput.DropPacket drop:
                    _dropped.Add(drop.Packet);
                    break;
                case ReplicatorOutput.ArmRetransmit:
                    _retransmitArmed = true;
                    break;
                default:
                    Violations.Add($"unexpected replicator output {output}");
                    break;
            }
        }
    }

    private void OnComplete(int vm, long request)
    {
        if (request != _completed[vm] + 1)
        {
            Violations.Add($"vm-{vm + 1}: write {request} completed after {_completed[vm]}");
        }

        _completed[vm] = request;
        _seen[vm][vm] = Math.Max(_seen[vm][vm], request);
        if (_mode == ReplicationMode.Sync && _durable[vm] < request)
        {
            Violations.Add($"sync: vm-{vm + 1} write {request} completed while the backup had {_durable[vm]} durable");
        }

        if (_mode == ReplicationMode.Async && request - _durable[vm] > _maxLag)
        {
            Violations.Add($"async: vm-{vm + 1} completed {request} with {_durable[vm]} durable, beyond the lag {_maxLag}");
        }
    }

    private void OnRelease(long packet)
    {
        if (!_packetNeeds.TryGetValue(packet, out var needs) || !_released.Add(packet))
        {
            Violations.Add($"packet {packet} released twice or never sent");
            return;
        }

        ReleasesAfterHold += _ackInFlightToReplicator ? 1 : 0;
        if (Enumerable.Range(0, VmCount).Any(j => needs[j] > _durable[j]))
        {
            EarlyReleases++;
            if (_mode != ReplicationMode.Async)
            {
                Violations.Add($"{_mode}: packet {packet} released needing [{string.Join(',', needs)}] with [{string.Join(',', _durable)}] durable");
            }
        }
    }

    private void Backup(ManagerInput input)
    {
        foreach (var output in _manager.Handle(input))
        {
            switch (output)
            {
                case ManagerOutput.Append append:
                    var vm = append.Write.Vm.Value - 1;
                    if (append.Write.Sequence != _durable[vm] + 1)
                    {
                        Violations.Add($"vm-{vm + 1}: write {append.Write.Sequence} applied after {_durable[vm]}");
                    }

                    _journal[vm].Add(append.Write);
                    _durable[vm] = append.Write.Sequence;
                    break;
                case ManagerOutput.Send send:
                    if (send.Message.DurableThrough > _durable[send.Message.Vm.Value - 1])
                    {
                        Violations.Add($"ack {send.Message} beyond what is durable");
                    }

                    _link.Add((false, send.Message));
                    break;
                case ManagerOutput.CheckpointTaken taken:
                    _checkpoints.Add(taken.Checkpoint);
                    break;
                case ManagerOutput.CheckpointDropped dropped:
                    _checkpoints.RemoveAll(c => c.Id == dropped.Id);
                    Fold(dropped.Base);
                    break;
                case ManagerOutput.ArmCheckpoint:
                    _checkpointArmed = true;
                    break;
                default:
                    Violations.Add($"unexpected manager output {output}");
                    break;
            }
        }

        if (_checkpoints.Count > _managerOptions.RetainCheckpoints)
        {
            Violations.Add($"{_checkpoints.Count} checkpoints kept, retention {_managerOptions.RetainCheckpoints}");
        }
    }

    private void Fold(DependencyVector through)
    {
        for (var vm = 0; vm < VmCount; vm++)
        {
            var upTo = through[new VmId(vm + 1)];
            foreach (var write in _journal[vm].Where(w => w.Sequence <= upTo))
            {
                write.Data.Span.CopyTo(_base[vm].AsSpan((int)write.Offset));
            }

            _journal[vm].RemoveAll(w => w.Sequence <= upTo);
            _baseThrough[vm] = Math.Max(_baseThrough[vm], upTo);
        }
    }

    /// <summary>The disk of <paramref name="vm"/> as the guest left it after its first <paramref name="through"/> writes.</summary>
    private byte[] Truth(int vm, long through)
    {
        var disk = new byte[DiskBytes];
        foreach (var (offset, data) in _writes[vm].Take((int)through))
        {
            data.CopyTo(disk, offset);
        }

        return disk;
    }

    /// <summary>The replica of <paramref name="vm"/> at <paramref name="through"/>, from the base image and the journal.</summary>
    private byte[]? Replica(int vm, long through)
    {
        if (through < _baseThrough[vm])
        {
            return null;
        }

        var disk = (byte[])_base[vm].Clone();
        foreach (var write in _journal[vm].Where(w => w.Sequence <= through))
        {
            write.Data.Span.CopyTo(disk.AsSpan((int)write.Offset));
        }

        return disk;
    }

    private void CheckDisks()
    {
        for (var vm = 0; vm < VmCount; vm++)
        {
            var points = _checkpoints.Select(c => c.Applied[new VmId(vm + 1)]).Append(_durable[vm]);
            foreach (var through in points)
            {
                var replica = Replica(vm, through);
                if (replica is null || !replica.AsSpan().SequenceEqual(Truth(vm, through)))
                {
                    Violations.Add($"vm-{vm + 1}: the replica at write {through} is not the guest's disk after its first {through} writes");
                }
            }
        }
    }

    private void CheckAfterCrash()
    {
        CheckDisks();
        foreach (var packet in _released)
        {
            var needs = _packetNeeds[packet];
            if (_mode != ReplicationMode.Async && Enumerable.Range(0, VmCount).Any(j => needs[j] > _durable[j]))
            {
                Violations.Add($"after the crash: packet {packet} was seen by a client but needs [{string.Join(',', needs)}], the backup has [{string.Join(',', _durable)}]");
            }
        }

        for (var vm = 0; vm < VmCount; vm++)
        {
            var lost = _completed[vm] - _durable[vm];
            if ((_mode == ReplicationMode.Sync && lost > 0) || lost > _maxLag)
            {
                Violations.Add($"after the crash: vm-{vm + 1} lost {lost} acknowledged writes (mode {_mode}, lag bound {_maxLag})");
            }
        }
    }

    /// <summary>The link stops losing messages: everything must complete, every packet leave, every write reach the backup.</summary>
    private void Heal()
    {
        for (var round = 0; round < 100_000 && Violations.Count == 0; round++)
        {
            if (_link.Count > 0)
            {
                Deliver(0);
            }
            else if (_retransmitArmed)
            {
                _retransmitArmed = false;
                Primary(new ReplicatorInput.RetransmitDue());
            }
            else
            {
                break;
            }
        }

        CheckDisks();
        for (var vm = 0; vm < VmCount; vm++)
        {
            if (_completed[vm] != _writes[vm].Count || _durable[vm] != _writes[vm].Count)
            {
                Violations.Add($"healed: vm-{vm + 1} has {_writes[vm].Count} writes, {_completed[vm]} completed, {_durable[vm]} at the backup");
            }
        }

        var stuck = _packetNeeds.Keys.Where(p => !_released.Contains(p) && !_dropped.Contains(p)).ToList();
        if (stuck.Count > 0)
        {
            Violations.Add($"healed: {stuck.Count} packets never released (first {stuck[0]})");
        }
    }
}
