namespace Roost.Hypervisor.Agent;

/// <summary>
/// Body of <c>POST /api/vms/{id}/app</c>: start one of the guest's applications for MOVE's validation, replacing one
/// that runs: <c>web</c> (busybox httpd serving a 16 KiB page on port <see cref="Value"/>) or <c>db</c> (an SQLite
/// transaction mix at <see cref="Value"/> transactions a second; the database image profile).
/// </summary>
public sealed record AppRequest(string? Name, int? Value)
{
    /// <summary>Null when the request is valid, else one line saying what is wrong.</summary>
    public string? Validate() => Name switch
    {
        "web" => Value is >= 1 and <= 65535 ? null : "web needs value: the port, 1 to 65535",
        "db" => Value is >= 1 and <= 10_000 ? null : "db needs value: transactions a second, 1 to 10000",
        _ => "name must be web or db",
    };
}
