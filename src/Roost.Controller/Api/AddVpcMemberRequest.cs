using System.Diagnostics.CodeAnalysis;

namespace Roost.Controller.Api;

/// <summary>A VM to join a VPC, by name or id (required); the controller allocates its address in the VPC's range.</summary>
public sealed record AddVpcMemberRequest(string? Vm) : IRequestBody<string>
{
    public static IReadOnlyList<string> RequiredFields { get; } = ["vm"];

    public bool TryValidate(FieldErrors errors, [NotNullWhen(true)] out string? command)
    {
        ArgumentNullException.ThrowIfNull(errors);
        command = Vm is null ? null : errors.Name("vm", Vm, CreateVmRequest.MaxNameLength, "");
        if (Vm is null)
        {
            errors.Add("vm", "is required (a VM's name or id)");
        }

        return errors.IsEmpty && command is not null;
    }
}
