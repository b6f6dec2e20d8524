namespace Roost.Core.Migration;

/// <summary>Timeouts of the destination's side of a migration. Every phase that waits has its limit here.</summary>
public sealed record IncomingSettings
{
    /// <summary>How long starting the incoming QEMU may take.</summary>
    public TimeSpan LaunchTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an admitted VM may wait for its stream to complete (the source dead, say) before it is dropped.</summary>
    public TimeSpan StreamTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>After the source says the stream is complete, how long the incoming QEMU may take to hold it whole.</summary>
    public TimeSpan VerifyTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long writing the adoption record may take.</summary>
    public TimeSpan CommitTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long resuming the adopted guest may take.</summary>
    public TimeSpan ResumeTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the incoming QEMU's run state is asked for while verifying.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Null when every value is in range, else one line naming the first that is not.</summary>
    public string? Validate() => MigrationSettings.FirstOutOfRange(
        "incoming migration setting",
        (nameof(LaunchTimeout), LaunchTimeout), (nameof(StreamTimeout), StreamTimeout), (nameof(VerifyTimeout), VerifyTimeout),
        (nameof(CommitTimeout), CommitTimeout), (nameof(ResumeTimeout), ResumeTimeout), (nameof(PollInterval), PollInterval));
}
