using Roost.Hypervisor.Images;

namespace Roost.Hypervisor.Tests.Recovery;

/// <summary>
/// A fact that needs the host tools the DR database check runs (mkfs.ext4, e2fsck, debugfs from e2fsprogs; sqlite3);
/// reported as skipped, naming the missing one, otherwise.
/// </summary>
public sealed class Ext4ToolsFactAttribute : FactAttribute
{
    // Found where the check itself looks for them.
    private static readonly string? _missing = new[] { "mkfs.ext4", "e2fsck", "debugfs", "sqlite3" }
        .FirstOrDefault(tool => ExternalCommand.FindTool(tool) is null);

    public Ext4ToolsFactAttribute()
    {
        if (_missing is not null)
        {
            Skip = $"{_missing} is not installed (Debian packages e2fsprogs and sqlite3; .ci/apt-packages lists them)";
        }
    }
}
