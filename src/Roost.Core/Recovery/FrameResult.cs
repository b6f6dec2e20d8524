namespace Roost.Core.Recovery;

/// <summary>What <see cref="ReplicationFrameCodec.Decode"/> found at the start of a buffer. Closed set.</summary>
public abstract record FrameResult
{
    private FrameResult()
    {
    }

    /// <summary>The frame is not whole yet: read more.</summary>
    public sealed record NeedMore : FrameResult
    {
        public static NeedMore Instance { get; } = new();
    }

    /// <summary>A frame: <see cref="Message"/>, taking the first <see cref="Consumed"/> bytes.</summary>
    public sealed record Frame(ReplicationMessage Message, int Consumed) : FrameResult;

    /// <summary>The bytes are not a valid frame: close the connection (framing is lost).</summary>
    public sealed record Invalid(string Reason) : FrameResult;
}
