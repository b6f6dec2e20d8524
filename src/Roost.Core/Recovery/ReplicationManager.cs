using System.Globalization;
using Roost.Core.Model;

namespace Roost.Core.Recovery;

/// <summary>
/// The cloud site's replication manager for many protected VMs (sans-I/O). It applies each VM's writes strictly in
/// sequence order (holding a bounded number that arrive early, dropping duplicates), acknowledges cumulatively once
/// they are durable, and keeps a journal of crash-consistent checkpoints with a set retention (Zerto-style journal;
/// the DR paper's warm replica, HotCloud 2010 §4). Its state survives a restart through <see cref="ReplicaRecovery"/>:
/// writes held out of order are volatile and simply sent again by the primary.
/// </summary>
public sealed class ReplicationManager
{
    private readonly ReplicationManagerOptions _options;
    private readonly SortedDictionary<int, VmJournal> _vms = [];
    private readonly LinkedList<ReplicaCheckpoint> _checkpoints = new();
    private long _nextCheckpointId = 1;

    public ReplicationManager(ReplicationManagerOptions options, IEnumerable<ProtectedDisk> disks, ReplicaRecovery recovered)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(disks);
        ArgumentNullException.ThrowIfNull(recovered);
        if (options.Validate() is { } invalid)
        {
            throw new ArgumentException(invalid, nameof(options));
        }

        _options = options;
        foreach (var disk in disks)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(disk.SizeBytes);
            _vms[disk.Vm.Value] = new VmJournal(disk) { Applied = recovered.Applied.GetValueOrDefault(disk.Vm) };
        }

        foreach (var checkpoint in recovered.Checkpoints)
        {
            _checkpoints.AddLast(checkpoint);
            _nextCheckpointId = Math.Max(_nextCheckpointId, checkpoint.Id + 1);
        }
    }

    /// <summary>The latest consistent point: every VM's applied prefix now (what a failover boots from).</summary>
    public DependencyVector Applied => _vms.Values.Aggregate(DependencyVector.Empty, (v, j) => v.Raise(j.Disk.Vm, j.Applied));

    /// <summary>The checkpoints kept, oldest first.</summary>
    public IReadOnlyList<ReplicaCheckpoint> Checkpoints => [.. _checkpoints];

    public IReadOnlyList<ManagerOutput> Handle(ManagerInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var outputs = new List<ManagerOutput>();
        switch (input)
        {
            case ManagerInput.Started:
                outputs.Add(new ManagerOutput.ArmCheckpoint(_options.CheckpointInterval));
                if (_options.LossAfter is { } lossAfter)
                {
                    outputs.Add(new ManagerOutput.ArmLiveness(LivenessInterval(lossAfter)));
                }

                break;
            case ManagerInput.Received { Message: ReplicationMessage.Write write } when _vms.TryGetValue(write.Vm.Value, out var fenced) && fenced.Fenced:
                // Said once: an old primary still alive resends what it has no ack for, and would fill the log.
                if (!fenced.RefusedWhileFenced)
                {
                    fenced.RefusedWhileFenced = true;
                    outputs.Add(new ManagerOutput.Refused(write.Vm, "fenced: the VM failed over at the cloud site; its old primary's writes are not applied (said once)"));
                }

                break;
            case ManagerInput.Received { Message: ReplicationMessage.Write write } received:
                if (OnWrite(write, outputs))
                {
                    Heard(write.Vm, write.Sequence, heartbeat: false, received.Now, outputs);
                }

                break;
            case ManagerInput.Received { Message: ReplicationMessage.Heartbeat heartbeat } received:
                if (heartbeat.Issued >= 0)
                {
                    Heard(heartbeat.Vm, heartbeat.Issued, heartbeat: true, received.Now, outputs);
                    if (_vms.TryGetValue(heartbeat.Vm.Value, out var beating))
                    {
                        beating.Mode = heartbeat.Mode ?? beating.Mode;
                        beating.Heartbeat = beating.Heartbeat is { } last && last.At > received.Now ? last : (heartbeat.Issued, received.Now);
                        CatchUp(beating);
                    }
                }

                break;
            case ManagerInput.Received:
                break;
            case ManagerInput.Fence fence:
                if (_vms.TryGetValue(fence.Vm.Value, out var fencing))
                {
                    fencing.Fenced = true;
                    fencing.Early.Clear();
                    outputs.Add(new ManagerOutput.Fenced(fence.Vm, fencing.Applied));
                }
                else
                {
                    outputs.Add(new ManagerOutput.Fenced(fence.Vm, null));
                }

                break;
            case ManagerInput.LivenessDue due:
                OnLivenessDue(due.Now, outputs);
                break;
            case ManagerInput.CheckpointDue due:
                OnCheckpointDue(due.Now, outputs);
                outputs.Add(new ManagerOutput.ArmCheckpoint(_options.CheckpointInterval));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(input), input, "unknown replication manager input");
        }

        return outputs;
    }

    /// <summary>What is known now of every protected VM, by VM id.</summary>
    public IReadOnlyList<ReplicaState> Replicas =>
        [.. _vms.Values.Select(j => new ReplicaState(j.Disk, j.Applied, j.Issued, j.LastContact, j.Lost, j.Mode, j.CaughtUpAt, j.Fenced))];

    /// <summary>The last heartbeat's issued count is durable: everything written up to its time is here.</summary>
    private static void CatchUp(VmJournal vm)
    {
        if (vm.Heartbeat is { } beat && beat.Issued <= vm.Applied && (vm.CaughtUpAt is not { } caught || caught < beat.At))
        {
            vm.CaughtUpAt = beat.At;
        }
    }

    private static TimeSpan LivenessInterval(TimeSpan lossAfter) => lossAfter / 4;

    /// <summary>
    /// Contact from <paramref name="vmId"/>'s primary: a heartbeat with its issued count, or a valid write (which was
    /// issued too, so it raises a count once a heartbeat gave one; a heartbeat overtaken by writes never lowers it).
    /// </summary>
    private void Heard(VmId vmId, long issued, bool heartbeat, TimeSpan now, List<ManagerOutput> outputs)
    {
        if (!_vms.TryGetValue(vmId.Value, out var vm))
        {
            return;
        }

        vm.LastContact = vm.LastContact is { } last && last > now ? last : now;
        vm.Issued = vm.Issued is { } known ? Math.Max(known, issued) : heartbeat ? issued : null;
        if (vm.Lost)
        {
            vm.Lost = false;
            outputs.Add(new ManagerOutput.PrimaryBack(vm.Disk.Vm, now));
        }
    }

    private void OnLivenessDue(TimeSpan now, List<ManagerOutput> outputs)
    {
        if (_options.LossAfter is not { } lossAfter)
        {
            return;
        }

        foreach (var vm in _vms.Values)
        {
            if (!vm.Lost && vm.LastContact is { } last && now - last > lossAfter)
            {
                vm.Lost = true;
                outputs.Add(new ManagerOutput.PrimaryLost(vm.Disk.Vm, vm.Applied, vm.Issued, last, now));
            }
        }

        outputs.Add(new ManagerOutput.ArmLiveness(LivenessInterval(lossAfter)));
    }

    /// <summary>Handles a write; true when it was a valid write of a protected VM (contact from its primary).</summary>
    private bool OnWrite(ReplicationMessage.Write write, List<ManagerOutput> outputs)
    {
        if (!_vms.TryGetValue(write.Vm.Value, out var vm))
        {
            outputs.Add(new ManagerOutput.Refused(write.Vm, "not a protected VM"));
            return false;
        }

        if (Invalid(write, vm.Disk) is { } reason)
        {
            outputs.Add(new ManagerOutput.Refused(write.Vm, reason));
            return false;
        }

        if (write.Sequence <= vm.Applied)
        {
            // A duplicate (or a resend after a lost ack): say again how far we are.
            outputs.Add(new ManagerOutput.Send(new ReplicationMessage.Ack(vm.Disk.Vm, vm.Applied)));
            return true;
        }

        if (write.Sequence > vm.Applied + 1)
        {
            if (vm.Early.Count < _options.MaxOutOfOrderWrites || vm.Early.ContainsKey(write.Sequence))
            {
                vm.Early[write.Sequence] = write;
            }

            return true;
        }

        outputs.Add(new ManagerOutput.Append(write));
        vm.Applied = write.Sequence;
        while (vm.Early.Remove(vm.Applied + 1, out var next))
        {
            outputs.Add(new ManagerOutput.Append(next));
            vm.Applied = next.Sequence;
        }

        // Early writes below the applied point are stale duplicates by now.
        foreach (var stale in vm.Early.Keys.Where(s => s <= vm.Applied).ToList())
        {
            vm.Early.Remove(stale);
        }

        outputs.Add(new ManagerOutput.Send(new ReplicationMessage.Ack(vm.Disk.Vm, vm.Applied)));
        CatchUp(vm);
        return true;
    }

    private string? Invalid(ReplicationMessage.Write write, ProtectedDisk disk) =>
        write.Sequence < 1 ? string.Create(CultureInfo.InvariantCulture, $"sequence {write.Sequence} is not positive")
        : write.Data.Length is 0 || write.Data.Length > _options.MaxWriteBytes ? string.Create(CultureInfo.InvariantCulture, $"write of {write.Data.Length} bytes is not from 1 to {_options.MaxWriteBytes}")
        : write.Offset < 0 || write.Offset > disk.SizeBytes - write.Data.Length ? string.Create(CultureInfo.InvariantCulture, $"write of {write.Data.Length} bytes at {write.Offset} is outside the {disk.SizeBytes}-byte disk")
        : null;

    private void OnCheckpointDue(TimeSpan now, List<ManagerOutput> outputs)
    {
        var applied = Applied;
        if (_checkpoints.Last is { } last && SameApplied(last.Value.Applied, applied))
        {
            return;
        }

        var checkpoint = new ReplicaCheckpoint(_nextCheckpointId++, now, applied);
        _checkpoints.AddLast(checkpoint);
        outputs.Add(new ManagerOutput.CheckpointTaken(checkpoint));
        while (_checkpoints.Count > _options.RetainCheckpoints && _checkpoints.First is { } oldest)
        {
            _checkpoints.RemoveFirst();
            var newBase = _checkpoints.First?.Value.Applied ?? applied;
            outputs.Add(new ManagerOutput.CheckpointDropped(oldest.Value.Id, newBase));
        }
    }

    private bool SameApplied(DependencyVector a, DependencyVector b) => _vms.Values.All(j => a[j.Disk.Vm] == b[j.Disk.Vm]);

    /// <summary>One protected VM's state at the cloud site.</summary>
    private sealed class VmJournal(ProtectedDisk disk)
    {
        public ProtectedDisk Disk { get; } = disk;

        public long Applied { get; set; }

        public SortedDictionary<long, ReplicationMessage.Write> Early { get; } = [];

        /// <summary>The writes the primary last said it had issued (its heartbeat), if it said.</summary>
        public long? Issued { get; set; }

        /// <summary>When the primary was last heard from (a write or a heartbeat), if ever since the start.</summary>
        public TimeSpan? LastContact { get; set; }

        public bool Lost { get; set; }

        public ReplicationMode? Mode { get; set; }

        /// <summary>The latest heartbeat: the writes issued by then and when it arrived.</summary>
        public (long Issued, TimeSpan At)? Heartbeat { get; set; }

        public TimeSpan? CaughtUpAt { get; set; }

        public bool Fenced { get; set; }

        public bool RefusedWhileFenced { get; set; }
    }
}
