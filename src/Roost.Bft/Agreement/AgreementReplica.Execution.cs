using Roost.Bft.Messages;

namespace Roost.Bft.Agreement;

/// <summary>
/// Messages with the execution replicas: committed batches out (<see cref="Ordered"/>), replies and checkpoints in
/// (for the ZZ controller and checkpoint certification), the committed log for replicas that catch up, batches for
/// peers that committed a digest without its batch.
/// </summary>
public sealed partial class AgreementReplica
{
    private void ReceiveFromExecutor(int executor, Message message)
    {
        switch (message)
        {
            case ExecReport m:
                _controller.OnReport(executor, m.Sequence, m.Replies, m.Generation, _out, Id);
                break;
            case ExecCheckpoint m:
                OnExecCheckpoint(executor, m);
                break;
            case ExecStatus m:
                _controller.OnStatus(executor, m.Generation, m.Awake);
                break;
            case SyncRequest m:
                OnSyncRequest(executor, m);
                break;
            case BatchRequest m:
                OnBatchRequest(NodeId.Execution(executor), m);
                break;
            default:
                break;
        }
    }

    private void SendOrdered(Slot slot)
    {
        // One replica per sequence number attaches the batch; the others send the digest. An executor that lacks
        // the batch once f+1 digests agree asks for it (SyncRequest with content).
        var attach = slot.Sequence % _n == _index ? slot.Batch : null;
        var certified = LatestCertified;
        var message = new Ordered(_view, slot.Sequence, slot.CommittedDigest, attach, certified.Sequence, certified.State);
        SendToExecutors(message);
    }

    private void SendToExecutors(Message message)
    {
        foreach (var executor in _controller.Awake())
        {
            Send(NodeId.Execution(executor), message);
        }
    }

    private void OnSyncRequest(int executor, SyncRequest m)
    {
        var entries = new List<LogEntry>();
        var from = Math.Max(m.From, _stable + 1);
        var last = _slots.Count == 0 ? _stable : Math.Max(_stable, _slots.Where(s => s.Value.IsCommitted).Select(s => s.Key).DefaultIfEmpty(_stable).Max());
        for (var s = from; s <= last && entries.Count < _options.SyncEntriesPerReply; s++)
        {
            if (_slots.TryGetValue(s, out var slot) && slot.IsCommitted)
            {
                entries.Add(new LogEntry(s, slot.CommittedDigest, m.WithContent ? slot.Batch : null));
            }
        }

        var certified = _certified.Select(c => new CheckpointEntry(c.Key, c.Value)).Where(c => c.Sequence >= _stable).ToList();
        Send(NodeId.Execution(executor), new SyncReply(_stable, certified, last, entries));
    }

    private void OnBatchRequest(NodeId from, BatchRequest m)
    {
        if (_slots.TryGetValue(m.Sequence, out var slot) && slot.Batch is { } batch && batch.Digest == m.Digest)
        {
            Send(from, new BatchReply(m.Sequence, batch));
        }
    }

    private void OnBatchReply(BatchReply m)
    {
        if (!_slots.TryGetValue(m.Sequence, out var slot) || slot.Batch is not null)
        {
            return;
        }

        var wanted = slot.IsCommitted ? slot.CommittedDigest : slot.PrePrepareDigest;
        if (m.Batch.Digest != wanted)
        {
            return;
        }

        slot.Batch = m.Batch;
        if (slot.IsCommitted)
        {
            ApplyCommitted(slot);
        }
    }
}
