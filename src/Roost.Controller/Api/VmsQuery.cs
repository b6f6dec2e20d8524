using Microsoft.AspNetCore.Http;
using Roost.Controller.Store;

namespace Roost.Controller.Api;

/// <summary>
/// <c>GET /api/vms?host=H&amp;state=S</c>: VMs by id, only those on host <c>H</c> (its name or id) and in state
/// <c>S</c> when given (any state but <see cref="VmState.Deleted"/>: the store lists no deleted VM, so that filter
/// could only ever answer nothing). Any other parameter is a 400.
/// </summary>
public sealed record VmsQuery(string? Host, VmState? State)
{
    private static readonly string _listable =
        string.Join(", ", Enum.GetValues<VmState>().Where(s => s != VmState.Deleted).Select(s => s.ToString().ToLowerInvariant()));

    public static VmsQuery Parse(string? host, string? state, HttpRequest request, FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        StrictQuery.Check(request, errors, "host", "state");
        if (host is { Length: 0 })
        {
            errors.Add("host", "must name a host (its name or id)");
        }

        VmState? wanted = null;
        if (state is not null)
        {
            if (FieldErrors.TryParseEnum<VmState>(state, out var parsed) && parsed != VmState.Deleted)
            {
                wanted = parsed;
            }
            else
            {
                errors.Add("state", $"'{FieldErrors.Printable(state)}' is not one of {_listable}{(parsed == VmState.Deleted ? " (deleted VMs are not listed)" : "")}");
            }
        }

        return new VmsQuery(host, wanted);
    }
}
