using Roost.Core.Model;
using Roost.Core.Sharing;
using Roost.Hypervisor.Agent;

namespace Roost.Controller.Drivers.Agents;

/// <summary>
/// Reads the page fingerprints of running guests through their agents, one guest at a time in the background, while
/// the guest runs (<see cref="GuestFingerprintClient"/> without pausing it), and keeps them bounded: at most
/// <see cref="MaxVms"/> VMs and <see cref="MaxImages"/> images, <see cref="MaxHashes"/> page hashes in all (8 bytes
/// each, a print held for a VM and its image counted once; the oldest VM fingerprints go first). Only while asked to
/// collect (sharing placement is on): otherwise nothing is read and nothing is held. A VM is read once it runs and
/// again every <see cref="Refresh"/> after its last attempt, whether that read failed or its print was evicted since;
/// a VM gone is forgotten, its image's fingerprint stays. Not thread-safe: the driver's observation is its one caller.
/// </summary>
internal sealed class FingerprintCollector(HttpClient http, TimeProvider time)
{
    public const int MaxVms = 512;
    public const int MaxImages = 32;
    public const long MaxHashes = 16L * 1024 * 1024;

    /// <summary>Guests larger than this are not read (their RAM would cross the network for one estimate).</summary>
    public const int MaxGuestMiB = 8192;

    /// <summary>How long one guest's read may take.</summary>
    private static readonly TimeSpan _readTimeout = TimeSpan.FromMinutes(2);

    private readonly Dictionary<VmId, Entry> _vms = [];
    private readonly Dictionary<string, Entry> _images = new(StringComparer.Ordinal);
    private readonly Dictionary<VmId, long> _attempts = [];
    private Reading? _reading;

    /// <summary>How often a running guest is read again (also how long a failed read waits before it is retried).</summary>
    public TimeSpan Refresh { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>The last read's failure (one line naming the agent and the VM), or null once a read succeeds.</summary>
    public string? LastProblem { get; private set; }

    /// <summary>What is held now.</summary>
    public GuestFingerprints Current { get; private set; } = GuestFingerprints.None;

    /// <summary>The read in flight (completed when none): tests wait on it instead of on time.</summary>
    internal Task Pending => _reading?.Task ?? Task.CompletedTask;

    /// <summary>
    /// Takes a finished read in, forgets VMs no longer <paramref name="running"/>, and, when <paramref name="collect"/>,
    /// starts the next read if none runs: a VM never attempted first (lowest id), else the one attempted longest ago once
    /// that is <see cref="Refresh"/> ago. Without <paramref name="collect"/> everything held is dropped and no read starts.
    /// </summary>
    public void Observe(IReadOnlyList<RunningGuest> running, bool collect, CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(running);
        var now = time.GetTimestamp();
        if (_reading is { Task.IsCompleted: true } done)
        {
            _reading = null;
            TakeIn(done, now);
        }

        if (!collect)
        {
            _vms.Clear();
            _images.Clear();
            _attempts.Clear();
            LastProblem = null;
            Current = GuestFingerprints.None;
            return;
        }

        var alive = running.Select(r => r.Vm).ToHashSet();
        foreach (var gone in _vms.Keys.Where(v => !alive.Contains(v)).ToList())
        {
            _vms.Remove(gone);
        }

        foreach (var gone in _attempts.Keys.Where(v => !alive.Contains(v)).ToList())
        {
            _attempts.Remove(gone);
        }

        Trim();
        Current = new GuestFingerprints(
            _vms.ToDictionary(e => e.Key, e => e.Value.Print),
            _images.ToDictionary(e => e.Key, e => e.Value.Print, StringComparer.Ordinal));

        if (_reading is not null || stopping.IsCancellationRequested)
        {
            return;
        }

        var next = running
            .Where(r => r.MemoryMiB <= MaxGuestMiB)
            .Select(r => (Guest: r, TriedAt: _attempts.TryGetValue(r.Vm, out var at) ? at : (long?)null))
            .Where(c => c.TriedAt is null || time.GetElapsedTime(c.TriedAt.Value, now) >= Refresh)
            .OrderBy(c => c.TriedAt is null ? 0 : 1).ThenBy(c => c.TriedAt ?? 0).ThenBy(c => c.Guest.Vm.Value)
            .Select(c => c.Guest)
            .FirstOrDefault();
        if (next is not null)
        {
            _attempts[next.Vm] = now;
            _reading = new Reading(next, ReadAsync(next, stopping));
        }
    }

    private void TakeIn(Reading done, long now)
    {
        if (!done.Task.IsCompletedSuccessfully)
        {
            LastProblem = $"fingerprint of {done.Guest.Vm}: {done.Task.Exception?.GetBaseException().Message ?? "cancelled"}";
            return;
        }

        switch (done.Task.Result)
        {
            case AgentOutcome<GuestMemoryFingerprint>.Ok { Value: var print }:
                _vms[done.Guest.Vm] = new Entry(print.Pages, now);
                if (done.Guest.Image.Length > 0)
                {
                    _images[done.Guest.Image] = new Entry(print.Pages, now);
                }

                LastProblem = null;
                break;
            case AgentOutcome<GuestMemoryFingerprint>.Failed failed:
                LastProblem = $"fingerprint of {done.Guest.Vm}: {failed.Problem.Detail}";
                break;
        }
    }

    private async Task<AgentOutcome<GuestMemoryFingerprint>> ReadAsync(RunningGuest guest, CancellationToken stopping)
    {
        // Off the observation's step: the read lasts as long as the guest's RAM takes to cross.
        await Task.Yield();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        deadline.CancelAfter(_readTimeout);
        var client = new GuestFingerprintClient(http) { MaxMemoryMiB = MaxGuestMiB, ExpectedMemoryMiB = guest.MemoryMiB };
        return await client.FingerprintAsync(guest.Agent, guest.Token, AgentHostDriver.AgentVmId(guest.Vm), HashSampling.None, deadline.Token).ConfigureAwait(false);
    }

    /// <summary>Within the bounds: images by age, then VM fingerprints oldest first; a print held twice counts once.</summary>
    private void Trim()
    {
        foreach (var old in _images.OrderBy(e => e.Value.ReadAt).ThenBy(e => e.Key, StringComparer.Ordinal).Take(Math.Max(0, _images.Count - MaxImages)).Select(e => e.Key).ToList())
        {
            _images.Remove(old);
        }

        // A VM's print its image holds too is counted (and freed) with the image.
        var imagePrints = new HashSet<ExactFingerprint>(_images.Values.Select(e => e.Print), ReferenceEqualityComparer.Instance);
        var hashes = imagePrints.Sum(p => (long)p.Count) + _vms.Values.Where(e => !imagePrints.Contains(e.Print)).Sum(e => (long)e.Print.Count);
        foreach (var (vm, entry) in _vms.OrderBy(e => e.Value.ReadAt).ThenBy(e => e.Key.Value).ToList())
        {
            if (_vms.Count <= MaxVms && hashes <= MaxHashes)
            {
                break;
            }

            _vms.Remove(vm);
            if (!imagePrints.Contains(entry.Print))
            {
                hashes -= entry.Print.Count;
            }
        }
    }

    /// <summary>A guest that may be read: where it runs (its agent and that agent's token), its image and size.</summary>
    internal sealed record RunningGuest(VmId Vm, Uri Agent, string Token, string Image, int MemoryMiB);

    private sealed record Entry(ExactFingerprint Print, long ReadAt);

    private sealed record Reading(RunningGuest Guest, Task<AgentOutcome<GuestMemoryFingerprint>> Task);
}
