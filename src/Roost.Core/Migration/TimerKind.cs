namespace Roost.Core.Migration;

/// <summary>
/// The timers a migration machine arms. Each kind is one timer at the driver: arming it again replaces it. The
/// deadline is armed in every waiting phase (no phase waits without one); the poll timer paces queries and retries.
/// </summary>
public enum TimerKind
{
    Deadline,
    Poll,
}
