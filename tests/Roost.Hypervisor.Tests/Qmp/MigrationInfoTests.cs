using System.Text.Json;
using Roost.Hypervisor.Qmp;

namespace Roost.Hypervisor.Tests.Qmp;

public sealed class MigrationInfoTests
{
    [Fact]
    public void Parse_CompletedMigration_ReadsBytesRoundsAndTimes()
    {
        using var json = JsonDocument.Parse("""
            {"status": "completed", "total-time": 472, "downtime": 17, "setup-time": 2,
             "ram": {"transferred": 64584187, "remaining": 0, "total": 134217728, "dirty-sync-count": 3}}
            """);

        var info = MigrationInfo.Parse(json.RootElement);

        Assert.Equal(new MigrationInfo("completed", 64584187, 0, 134217728, 3, TimeSpan.FromMilliseconds(472), TimeSpan.FromMilliseconds(17), null), info);
    }

    [Fact]
    public void Parse_FailedMigration_KeepsQemusReason()
    {
        using var json = JsonDocument.Parse("""{"status": "failed", "error-desc": "Unable to write to socket: Broken pipe"}""");

        var info = MigrationInfo.Parse(json.RootElement);

        Assert.Equal(("failed", "Unable to write to socket: Broken pipe", (TimeSpan?)null), (info.Status, info.Error, info.Downtime));
    }
}
