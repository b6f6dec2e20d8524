namespace Roost.Bft.Net;

/// <summary>
/// A sleeping executor its host-side agent (<see cref="SleeperAgent"/>) can stop and resume: a frozen process
/// (<see cref="Freezer"/>) or a paused VM, which the caller provides (<see cref="ISleeperVm"/>; this project knows no
/// VMs). Not thread-safe: one owner (the agent, under its lock).
/// </summary>
public interface ISleeper
{
    /// <summary>What stops it, for reports: "cgroup v1 freezer", "SIGSTOP/SIGCONT", "paused VM (…)".</summary>
    string Mechanism { get; }

    bool IsFrozen { get; }

    void Freeze();

    void Thaw();
}

/// <summary>
/// A sleeping executor that runs in a VM (ZZ's paused VM): the caller boots the VM before the cluster asks it to start
/// the executor, so the executor's agent exists before its first status line. <see cref="ISleeper.Freeze"/> pauses the
/// VM, <see cref="ISleeper.Thaw"/> resumes it; disposing destroys the VM.
/// </summary>
public interface ISleeperVm : ISleeper, IAsyncDisposable
{
    /// <summary>
    /// Starts the executor inside the VM; each of its status lines (as <see cref="NodeRunner"/> writes them) goes to
    /// <paramref name="onLine"/>, null once the executor's status stream ends.
    /// </summary>
    Task StartAsync(Action<string?> onLine, CancellationToken cancellationToken);
}
