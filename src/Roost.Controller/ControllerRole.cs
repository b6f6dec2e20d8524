using Roost.Controller.Security;
using Roost.Controller.Store;

namespace Roost.Controller;

/// <summary>
/// Whether this controller may act. <see cref="RoleState.Standby"/>: another controller holds the store's writer lock;
/// this one serves <c>/healthz</c> and answers the API 503 until the lock is free. <see cref="RoleState.Starting"/>: the
/// lock is held, the store and driver are being brought up. <see cref="RoleState.Active"/>: the one writer.
/// <see cref="RoleState.Stopped"/>: the lock was lost or taking over failed; the process stops. Changed only by the
/// composition root; read by any thread.
/// </summary>
public sealed class ControllerRole
{
    private readonly TaskCompletionSource _active = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile State _state = new(RoleState.Standby, null, null, null);

    public ControllerRole(string store)
    {
        Store = store;
    }

    /// <summary>The store's description, for messages.</summary>
    public string Store { get; }

    public RoleState Current => _state.Role;

    /// <summary>Why the role is not (yet) active, in one line; null when active or plainly standby.</summary>
    public string? Reason => _state.Reason;

    /// <summary>The bearer token; null until active.</summary>
    public TokenStore? Tokens => _state.Tokens;

    public IStoreWriterLock? Writer => _state.Writer;

    /// <summary>
    /// The role and, unless active, why this controller does not act, in one line for <c>/healthz</c> and the API's 503
    /// (which say the role beside it, as the health status or the problem's title). Read from one snapshot.
    /// </summary>
    public (RoleState Role, string? Why) Inactivity
    {
        get
        {
            var state = _state;
            return (state.Role, state switch
            {
                { Role: RoleState.Active } => null,
                { Role: RoleState.Standby } => $"another controller is the writer of {Store}; this one takes over when it stops",
                { Role: RoleState.Starting, Reason: { } reason } => $"taking over {Store}: {reason}",
                { Role: RoleState.Starting } => $"taking over {Store}",
                { Reason: { } reason } => reason,
                _ => "stopped",
            });
        }
    }

    /// <summary>Completes when the controller becomes active; cancelled if it stops first.</summary>
    public Task Activated => _active.Task;

    internal void Starting(IStoreWriterLock writer, string? reason = null) => _state = new(RoleState.Starting, reason, writer, null);

    internal void Activate(IStoreWriterLock writer, TokenStore tokens)
    {
        _state = new(RoleState.Active, null, writer, tokens);
        _active.TrySetResult();
    }

    internal void Stop(string reason)
    {
        _state = _state with { Role = RoleState.Stopped, Reason = reason };
        _active.TrySetCanceled();
    }

    private sealed record State(RoleState Role, string? Reason, IStoreWriterLock? Writer, TokenStore? Tokens);
}
