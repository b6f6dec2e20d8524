namespace Roost.Bft.Messages;

/// <summary>The first byte of every encoded message. Values are part of the wire format: never renumber.</summary>
public enum MessageType : byte
{
    RequestMessage = 1,
    PrePrepare = 2,
    Prepare = 3,
    Commit = 4,
    Checkpoint = 5,
    ViewChange = 6,
    NewView = 7,
    NewViewRequest = 8,
    BatchRequest = 9,
    BatchReply = 10,
    Ordered = 11,
    SyncRequest = 12,
    SyncReply = 13,
    ExecReport = 14,
    ExecCheckpoint = 15,
    Control = 16,
    ExecStatus = 17,
    ResendReply = 18,
    StateRequest = 19,
    StateReply = 20,
    ObjectRequest = 21,
    ObjectReply = 22,
    Reply = 23,
}
