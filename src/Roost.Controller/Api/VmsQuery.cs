using Microsoft.AspNetCore.Http;
using Roost.Controller.Store;

namespace Roost.Controller.Api;

/// <summary>
/// <c>GET /api/vms?host=H&amp;state=S</c>: VMs by id, only those on host <c>H</c> (its name or id) and in state
/// <c>S</c> when given. Any other parameter is a 400.
/// </summary>
public sealed record VmsQuery(string? Host, VmState? State)
{
    public static VmsQuery Parse(string? host, string? state, HttpRequest request, FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        StrictQuery.Check(request, errors, "host", "state");
        if (host is { Length: 0 })
        {
            errors.Add("host", "must name a host (its name or id)");
        }

        return new VmsQuery(host, errors.OptionalEnum<VmState>("state", state));
    }
}
