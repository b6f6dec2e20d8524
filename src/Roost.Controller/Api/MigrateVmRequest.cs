using System.Diagnostics.CodeAnalysis;
using Roost.Core.Model;

namespace Roost.Controller.Api;

/// <summary>Where an operator wants a VM to go: <c>host</c>, required, another host's id.</summary>
public sealed record MigrateVmRequest(int? Host) : IRequestBody<HostId>
{
    public static IReadOnlyList<string> RequiredFields { get; } = ["host"];

    public bool TryValidate(FieldErrors errors, [NotNullWhen(true)] out HostId command)
    {
        ArgumentNullException.ThrowIfNull(errors);
        command = new HostId(errors.WholeNumber("host", Host, 0, int.MaxValue));
        return errors.IsEmpty;
    }
}
