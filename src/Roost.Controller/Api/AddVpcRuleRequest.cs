using System.Diagnostics.CodeAnalysis;

namespace Roost.Controller.Api;

/// <summary>What a VPC may reach, both ways (required): another VPC by name or id, or <c>site</c> for the sites' own networks.</summary>
public sealed record AddVpcRuleRequest(string? To) : IRequestBody<string>
{
    public const string Site = "site";

    public static IReadOnlyList<string> RequiredFields { get; } = ["to"];

    public bool TryValidate(FieldErrors errors, [NotNullWhen(true)] out string? command)
    {
        ArgumentNullException.ThrowIfNull(errors);
        command = To is null ? null : errors.Name("to", To, CreateVpcRequest.MaxNameLength, "");
        if (To is null)
        {
            errors.Add("to", $"is required (a VPC's name or id, or '{Site}')");
        }

        return errors.IsEmpty && command is not null;
    }
}
