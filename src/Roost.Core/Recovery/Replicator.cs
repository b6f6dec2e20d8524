using System.Diagnostics;
using Roost.Core.Model;

namespace Roost.Core.Recovery;

/// <summary>
/// The primary site's half of disk replication, for every protected VM of the site (sans-I/O: inputs in, outputs
/// out; the host does the I/O in output order). Every guest write gets the next sequence number of its VM and is
/// shipped to the cloud site; the <see cref="ReplicationMode"/> decides when the write completes and when packets
/// leave. Pipelined synchrony after PipeCloud (Wood et al., SoCC 2011, §4): a VM's dependency counters are its own
/// last write plus what internal packets from other VMs carried; an external packet waits until the cloud site has
/// acknowledged all of them.
/// </summary>
public sealed class Replicator
{
    private readonly ReplicatorOptions _options;
    private readonly SortedDictionary<int, VmReplica> _vms = [];
    private bool _retransmitArmed;

    public Replicator(ReplicatorOptions options, IEnumerable<VmId> protectedVms)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(protectedVms);
        if (options.Validate() is { } invalid)
        {
            throw new ArgumentException(invalid, nameof(options));
        }

        _options = options;
        foreach (var vm in protectedVms)
        {
            _vms[vm.Value] = new VmReplica(vm);
        }
    }

    public ReplicationMode Mode => _options.Mode;

    /// <summary>The highest write of <paramref name="vm"/> the cloud site has acknowledged.</summary>
    public long Acknowledged(VmId vm) => Find(vm).Acked;

    /// <summary>Writes of <paramref name="vm"/> shipped and not acknowledged: the current lag.</summary>
    public int Lag(VmId vm) => Find(vm).Unacked.Count;

    /// <summary>Packets of <paramref name="vm"/> held in its egress buffer.</summary>
    public int HeldPackets(VmId vm) => Find(vm).Egress.Count;

    public IReadOnlyList<ReplicatorOutput> Handle(ReplicatorInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var outputs = new List<ReplicatorOutput>();
        switch (input)
        {
            case ReplicatorInput.GuestWrite write:
                OnWrite(write, outputs);
                break;
            case ReplicatorInput.GuestPacket packet:
                OnPacket(packet, outputs);
                break;
            case ReplicatorInput.Received { Message: ReplicationMessage.Ack ack }:
                OnAck(ack, outputs);
                break;
            case ReplicatorInput.Received:
                break;
            case ReplicatorInput.RetransmitDue:
                _retransmitArmed = false;
                foreach (var vm in _vms.Values)
                {
                    outputs.AddRange(vm.Unacked.Select(w => new ReplicatorOutput.Send(w)));
                }

                ArmIfNeeded(outputs);
                break;
            case ReplicatorInput.HeartbeatDue:
                outputs.AddRange(Heartbeats());
                outputs.Add(new ReplicatorOutput.ArmHeartbeat(_options.HeartbeatInterval));
                break;
            case ReplicatorInput.Connected:
                outputs.AddRange(Heartbeats());
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(input), input, "unknown replicator input");
        }

        return outputs;
    }

    private IEnumerable<ReplicatorOutput> Heartbeats() =>
        _vms.Values.Select(v => new ReplicatorOutput.SendHeartbeat(new ReplicationMessage.Heartbeat(v.Id, v.LastIssued, _options.Mode)));

    private VmReplica Find(VmId vm) =>
        _vms.TryGetValue(vm.Value, out var replica) ? replica : throw new ArgumentException($"{vm} is not protected here", nameof(vm));

    private void OnWrite(ReplicatorInput.GuestWrite write, List<ReplicatorOutput> outputs)
    {
        var vm = Find(write.Vm);

        // Writes keep their order: once one waits for room, every later one waits behind it.
        vm.Waiting.Enqueue(write);
        IssueWaiting(vm, outputs);
        ArmIfNeeded(outputs);
    }

    private void IssueWaiting(VmReplica vm, List<ReplicatorOutput> outputs)
    {
        while (vm.Waiting.Count > 0 && vm.Unacked.Count < _options.MaxUnackedWrites)
        {
            var write = vm.Waiting.Dequeue();
            var message = new ReplicationMessage.Write(vm.Id, ++vm.LastIssued, write.Offset, write.Data);
            vm.Unacked.Enqueue(message);
            outputs.Add(new ReplicatorOutput.Send(message));
            if (_options.Mode == ReplicationMode.Sync)
            {
                vm.AwaitingAck.Enqueue((write.Request, message.Sequence));
            }
            else
            {
                // Completed now: from here on the guest may act on it, so what it sends next depends on it.
                vm.Dependencies = vm.Dependencies.Raise(vm.Id, message.Sequence);
                outputs.Add(new ReplicatorOutput.CompleteWrite(vm.Id, write.Request));
            }
        }
    }

    private void OnPacket(ReplicatorInput.GuestPacket packet, List<ReplicatorOutput> outputs)
    {
        var vm = Find(packet.Vm);
        if (packet.To is { } to && _vms.TryGetValue(to.Value, out var receiver) && to != vm.Id)
        {
            // Internal traffic is not held: the receiver inherits the sender's counters (PipeCloud §4.2).
            receiver.Dependencies = receiver.Dependencies.Merge(vm.Dependencies);
            outputs.Add(new ReplicatorOutput.DeliverInternal(vm.Id, packet.Packet, to));
            return;
        }

        if (_options.Mode != ReplicationMode.Pipelined)
        {
            outputs.Add(new ReplicatorOutput.ReleasePacket(vm.Id, packet.Packet));
            return;
        }

        if (vm.Egress.Count == 0 && vm.Dependencies.IsCoveredBy(AckedOf))
        {
            outputs.Add(new ReplicatorOutput.ReleasePacket(vm.Id, packet.Packet));
        }
        else if (vm.Egress.Count < _options.MaxHeldPackets)
        {
            vm.Egress.Enqueue((packet.Packet, vm.Dependencies));
        }
        else
        {
            outputs.Add(new ReplicatorOutput.DropPacket(vm.Id, packet.Packet));
        }
    }

    private void OnAck(ReplicationMessage.Ack ack, List<ReplicatorOutput> outputs)
    {
        // An ack for an unknown VM, for nothing new, or for writes never issued (a confused or hostile peer) changes nothing.
        if (!_vms.TryGetValue(ack.Vm.Value, out var vm) || ack.DurableThrough <= vm.Acked || ack.DurableThrough > vm.LastIssued)
        {
            return;
        }

        vm.Acked = ack.DurableThrough;
        while (vm.Unacked.TryPeek(out var head) && head.Sequence <= vm.Acked)
        {
            vm.Unacked.Dequeue();
        }

        while (vm.AwaitingAck.TryPeek(out var waiting) && waiting.Sequence <= vm.Acked)
        {
            vm.AwaitingAck.Dequeue();
            vm.Dependencies = vm.Dependencies.Raise(vm.Id, waiting.Sequence);
            outputs.Add(new ReplicatorOutput.CompleteWrite(vm.Id, waiting.Request));
        }

        IssueWaiting(vm, outputs);

        // Any VM's held packets may depend on this VM's writes (through internal traffic): look at every buffer.
        foreach (var other in _vms.Values)
        {
            while (other.Egress.TryPeek(out var held) && held.Needs.IsCoveredBy(AckedOf))
            {
                other.Egress.Dequeue();
                outputs.Add(new ReplicatorOutput.ReleasePacket(other.Id, held.Packet));
            }
        }

        ArmIfNeeded(outputs);
    }

    private long AckedOf(VmId vm) => _vms.TryGetValue(vm.Value, out var replica) ? replica.Acked : 0;

    private void ArmIfNeeded(List<ReplicatorOutput> outputs)
    {
        if (!_retransmitArmed && _vms.Values.Any(v => v.Unacked.Count > 0))
        {
            _retransmitArmed = true;
            outputs.Add(new ReplicatorOutput.ArmRetransmit(_options.RetransmitInterval));
        }
    }

    /// <summary>One protected VM's replication state at the primary.</summary>
    private sealed class VmReplica(VmId id)
    {
        public VmId Id { get; } = id;

        public long LastIssued { get; set; }

        public long Acked
        {
            get;
            set
            {
                Debug.Assert(value >= field, "acks only move forward");
                field = value;
            }
        }

        public Queue<ReplicationMessage.Write> Unacked { get; } = new();

        public Queue<ReplicatorInput.GuestWrite> Waiting { get; } = new();

        public Queue<(long Request, long Sequence)> AwaitingAck { get; } = new();

        public Queue<(long Packet, DependencyVector Needs)> Egress { get; } = new();

        public DependencyVector Dependencies { get; set; } = DependencyVector.Empty;
    }
}
