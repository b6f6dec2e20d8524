using System.Globalization;

namespace Roost.Core.Migration;

/// <summary>
/// Timeouts and stream parameters of one outgoing migration. Every phase that waits has its limit here, so no phase
/// can wait forever. Defaults suit guests of a few hundred MiB under TCG on a loaded host.
/// </summary>
public sealed record MigrationSettings
{
    /// <summary>How long the destination may take to admit the VM and start its incoming QEMU.</summary>
    public TimeSpan AdmitTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long the source's QEMU may take to accept the parameters and <c>migrate</c>.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the stream's progress is asked for (and retries are paced).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>A stream that shows no progress (bytes sent, status) for this long is cancelled.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long QEMU may take to report a cancelled stream over before the source is resumed regardless.</summary>
    public TimeSpan CancelTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long resuming the source's guest may take.</summary>
    public TimeSpan ResumeTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the destination may take to confirm it runs the guest after the stream completed.</summary>
    public TimeSpan ConfirmTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// After an ambiguous confirmation, how long the source keeps asking the destination for a definite answer before
    /// it gives up and leaves the VM paused, whole, for the operator (never resumed blindly: it could run twice).
    /// </summary>
    public TimeSpan ResolveTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Pause between two attempts to settle with the destination.</summary>
    public TimeSpan ResolveRetryInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Bandwidth cap of the stream in bytes per second; 0 for QEMU's default.</summary>
    public long MaxBandwidthBytesPerSecond { get; init; }

    /// <summary>The guest pause QEMU aims for when it stops the source to send the last dirty pages.</summary>
    public TimeSpan DowntimeLimit { get; init; } = TimeSpan.FromMilliseconds(300);

    public SwitchoverPolicy Switchover { get; init; } = SwitchoverPolicy.PreCopyOnly;

    /// <summary>Null when every value is in range, else one line naming the first that is not.</summary>
    public string? Validate()
    {
        if (FirstOutOfRange(
            "migration setting",
            (nameof(AdmitTimeout), AdmitTimeout), (nameof(StartTimeout), StartTimeout), (nameof(PollInterval), PollInterval),
            (nameof(StallTimeout), StallTimeout), (nameof(CancelTimeout), CancelTimeout), (nameof(ResumeTimeout), ResumeTimeout),
            (nameof(ConfirmTimeout), ConfirmTimeout), (nameof(ResolveTimeout), ResolveTimeout), (nameof(ResolveRetryInterval), ResolveRetryInterval),
            (nameof(DowntimeLimit), DowntimeLimit)) is { } invalid)
        {
            return invalid;
        }

        if (MaxBandwidthBytesPerSecond < 0)
        {
            return string.Create(CultureInfo.InvariantCulture, $"migration setting {nameof(MaxBandwidthBytesPerSecond)} {MaxBandwidthBytesPerSecond} is negative");
        }

        return Switchover is null ? $"migration setting {nameof(Switchover)} is missing" : null;
    }

    /// <summary>The first duration not above zero and at most a day, as one line, or null.</summary>
    public static string? FirstOutOfRange(string what, params (string Name, TimeSpan Value)[] durations)
    {
        foreach (var (name, value) in durations)
        {
            if (value <= TimeSpan.Zero || value > TimeSpan.FromDays(1))
            {
                return string.Create(CultureInfo.InvariantCulture, $"{what} {name} {value} is not above zero and at most a day");
            }
        }

        return null;
    }
}
