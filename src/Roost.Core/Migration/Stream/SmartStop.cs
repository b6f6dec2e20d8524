namespace Roost.Core.Migration.Stream;

/// <summary>
/// Follows a pre-copy migration's progress reports pass by pass and says when to force the final stop-and-copy:
/// at the start of a pass whose dirty set is not at least <see cref="SmartStopOptions.MinShrink"/> smaller than the
/// smallest of the <see cref="SmartStopOptions.Window"/> passes before it (the bulk pass never counts), or after
/// <see cref="SmartStopOptions.MaxRounds"/> passes. A pass's dirty set is the largest <c>remaining</c> QEMU reports
/// during it (QEMU adds dirtied pages to it only at the sync that starts a pass). Pure: no clock, the times are QEMU's.
/// </summary>
public sealed class SmartStop
{
    private readonly SmartStopOptions _options;
    private readonly List<PrecopyRound> _rounds = [];
    private long _startTransferred;

    public SmartStop(SmartStopOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Validate() is { } invalid)
        {
            throw new ArgumentException(invalid, nameof(options));
        }

        _options = options;
    }

    /// <summary>The passes seen so far, in order.</summary>
    public IReadOnlyList<PrecopyRound> Rounds => _rounds;

    /// <summary>Set once the rule decided to stop: why, in one line.</summary>
    public string? StopReason { get; private set; }

    /// <summary>Takes one progress report; true exactly once, on the report where the rule decides to stop.</summary>
    public bool Observe(StreamProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        if (progress.Status != StreamStatus.Active || progress.Rounds < 1)
        {
            return false;
        }

        var now = progress.Elapsed ?? TimeSpan.Zero;
        if (_rounds.Count > 0 && _rounds[^1].Number == progress.Rounds)
        {
            if (progress.RemainingBytes > _rounds[^1].DirtyBytes)
            {
                _rounds[^1] = _rounds[^1] with { DirtyBytes = progress.RemainingBytes };
            }

            return false;
        }

        if (_rounds.Count > 0 && progress.Rounds < _rounds[^1].Number)
        {
            return false;
        }

        if (_rounds.Count > 0)
        {
            var last = _rounds[^1];
            var duration = now - last.Start;
            _rounds[^1] = last with
            {
                Duration = duration,
                SentBytes = progress.TransferredBytes - _startTransferred,
            };
            if (_rounds.Count > 1)
            {
                var before = _rounds[^2];
                _rounds[^2] = before with { DirtyBytesPerSecond = RatePerSecond(last.DirtyBytes, before.Duration) };
            }
        }

        _rounds.Add(new PrecopyRound(progress.Rounds, progress.RemainingBytes, now, null, null, null));
        _startTransferred = progress.TransferredBytes;
        return StopReason is null && Decide();
    }

    private bool Decide()
    {
        var current = _rounds[^1];
        if (current.Number > _options.MaxRounds)
        {
            StopReason = $"{_options.MaxRounds} pre-copy passes done";
            return true;
        }

        // Passes after the bulk one, before the current.
        var window = _rounds.Skip(1).SkipLast(1).TakeLast(_options.Window).ToList();
        if (window.Count == 0)
        {
            return false;
        }

        var smallest = window.Min(r => r.DirtyBytes);
        if (current.DirtyBytes > (1 - _options.MinShrink) * smallest)
        {
            StopReason = $"pass {current.Number} starts with {current.DirtyBytes} dirty bytes, not {_options.MinShrink:P0} below the smallest of the {window.Count} passes before ({smallest})";
            return true;
        }

        return false;
    }

    private static double? RatePerSecond(long bytes, TimeSpan? duration) =>
        duration is { TotalSeconds: > 0 } d ? bytes / d.TotalSeconds : null;
}
