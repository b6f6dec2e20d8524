using Roost.Core.Migration;

namespace Roost.Hypervisor.Agent;

/// <summary>
/// The pre-copy passes of one outgoing migration, from the <c>query-migrate</c> answers its machine asks for: a pass
/// starts when QEMU's dirty-sync count rises while the stream is active, its dirty set is the largest remaining figure
/// seen during it (QEMU adds dirtied pages only at the sync), and it ends when the next pass or the stop-and-copy
/// starts. Passes shorter than the poll interval are not seen, so numbers may skip; QEMU's final sync (the
/// stop-and-copy) is not a pre-copy pass. The dirtying rate of a pass is the next pass's dirty set over its duration.
/// </summary>
/// <remarks>Not thread-safe: the driver calls it under its own lock.</remarks>
internal sealed class PassLog
{
    private const long PageBytes = 4096;

    private readonly List<MigrationPass> _passes = [];
    private long _startTransferred;

    public IReadOnlyList<MigrationPass> Passes => [.. _passes];

    public void Observe(StreamProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        if (progress.Rounds < 1 || progress.Elapsed is not { } elapsed)
        {
            return;
        }

        var now = (long)elapsed.TotalMilliseconds;
        var active = progress.Status == StreamStatus.Active;
        if (_passes.Count > 0 && progress.Rounds <= _passes[^1].Number)
        {
            var last = _passes[^1];
            if (active && progress.Rounds == last.Number && progress.RemainingBytes > last.DirtyBytes && last.DurationMs is null)
            {
                _passes[^1] = last with { DirtyBytes = progress.RemainingBytes, DirtyPages = progress.RemainingBytes / PageBytes };
            }
            else if (!active)
            {
                Close(now, progress.TransferredBytes);
            }

            return;
        }

        Close(now, progress.TransferredBytes);
        if (!active)
        {
            return;
        }

        if (_passes.Count > 0 && _passes[^1].DurationMs is > 0 and var duration)
        {
            _passes[^1] = _passes[^1] with { DirtyPagesPerSecond = progress.RemainingBytes / PageBytes * 1000 / duration };
        }

        _passes.Add(new MigrationPass(progress.Rounds, progress.RemainingBytes / PageBytes, progress.RemainingBytes, now, null, null, null));
        _startTransferred = progress.TransferredBytes;
    }

    private void Close(long now, long transferred)
    {
        if (_passes.Count > 0 && _passes[^1].DurationMs is null)
        {
            _passes[^1] = _passes[^1] with { DurationMs = now - _passes[^1].StartMs, SentBytes = transferred - _startTransferred };
        }
    }
}
