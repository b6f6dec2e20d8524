namespace Roost.Hypervisor.Lab;

/// <summary>
/// One host tool run (ip, tc) with its arguments as a list (never a shell line) and, for
/// iproute2's batch mode, the lines it reads on standard input.
/// </summary>
public sealed record HostCommand(string File, IReadOnlyList<string> Arguments, IReadOnlyList<string>? Batch = null)
{
    /// <summary>The command as a person would type it, batch lines after it (for errors, docs and tests).</summary>
    public override string ToString()
    {
        var line = string.Join(' ', [File, .. Arguments]);
        return Batch is null ? line : $"{line} <<< '{string.Join("; ", Batch)}'";
    }
}
