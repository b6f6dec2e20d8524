using System.Diagnostics.CodeAnalysis;
using System.Net;
using Roost.Core.Network;

namespace Roost.Controller.Api;

/// <summary>
/// Where a failed-over VM goes back to: <c>to</c>, required, the recovered primary's <c>roost dr failback --listen</c>
/// as <c>ADDRESS:PORT</c> (an IP address and a port from 1), the form the cloud site accepts.
/// </summary>
public sealed record FailbackRequest(string? To) : IRequestBody<IPEndPoint>
{
    public static IReadOnlyList<string> RequiredFields { get; } = ["to"];

    public bool TryValidate(FieldErrors errors, [NotNullWhen(true)] out IPEndPoint? command)
    {
        ArgumentNullException.ThrowIfNull(errors);
        command = null;
        if (To is null)
        {
            errors.Add("to", "is required: the recovered primary's ADDRESS:PORT ('roost dr failback --listen')");
        }
        else if (EndPointText.TryParse(To, out var to))
        {
            command = to;
        }
        else
        {
            errors.Add("to", $"'{FieldErrors.Printable(To)}' is not ADDRESS:PORT (an IP address and a port from 1, e.g. 10.0.0.5:7420)");
        }

        return errors.IsEmpty && command is not null;
    }
}
