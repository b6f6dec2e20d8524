using Roost.Hypervisor.Images;
using Roost.Hypervisor.Recovery;

namespace Roost.Hypervisor.Tests.Recovery;

/// <summary>
/// The zero-loss check's reading of a replica
/// (<see cref="SqliteGuest.CheckAsync(string, IEnumerable{SqliteGuest.Acknowledged}, CancellationToken)"/>), on an
/// ext4 image made on the host as <c>roost dr protect</c> makes the guest's disk, holding a database as the guest's writer leaves it: every
/// acknowledged transaction present is found, one that is not (or that names another row) is reported, and an image
/// without the database is an error naming it, never an empty "nothing missing"; a database whose schema is not the
/// service's (a view or trigger the guest planted) is refused unread, and a tool over its time limit is an error.
/// Seconds, no QEMU.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SqliteGuestCheckTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("roost-drcheck-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Ext4ToolsFact]
    public async Task Check_ReadsTheDatabaseOnTheImage_AndNamesTheMissingTransactions()
    {
        var image = await ImageWithDatabaseAsync(
            "PRAGMA journal_mode=TRUNCATE; " + ServiceTable
            + "BEGIN; INSERT INTO tx(client, seq) VALUES(1, 1); COMMIT; BEGIN; INSERT INTO tx(client, seq) VALUES(2, 1); COMMIT; "
            + "BEGIN; INSERT INTO tx(client, seq) VALUES(1, 2); COMMIT;");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(image));

        var check = await SqliteGuest.CheckAsync(
            image,
            [new(1, 1, 1), new(2, 1, 2), new(1, 2, 3), new(3, 1, 4), new(2, 1, 3)],
            CancellationToken.None);

        Assert.Equal(3, check.Rows);
        Assert.Equal([new SqliteGuest.Acknowledged(3, 1, 4), new SqliteGuest.Acknowledged(2, 1, 3)], check.Missing);
    }

    [Ext4ToolsFact]
    public async Task Check_AnIndexOnTx_IsTheServicesSchemaStill()
    {
        var image = await ImageWithDatabaseAsync(ServiceTable + "CREATE INDEX tx_client ON tx(client, seq); INSERT INTO tx(client, seq) VALUES(1, 1);");

        var check = await SqliteGuest.CheckAsync(image, [new(1, 1, 1), new(1, 2, 2)], CancellationToken.None);

        Assert.Equal(1, check.Rows);
        Assert.Equal([new SqliteGuest.Acknowledged(1, 2, 2)], check.Missing);
    }

    /// <summary>
    /// A guest that makes tx a view could invent the rows the check looks for, or call the sqlite3 shell's edit(),
    /// which runs a command on the host; the view is refused before a row is read, and the command never runs.
    /// </summary>
    [Ext4ToolsFact]
    public async Task Check_TxAView_IsRefusedAndRunsNothing()
    {
        var marker = Path.Combine(_folder, "edit-ran");
        var image = await ImageWithDatabaseAsync(
            "CREATE TABLE t(id INTEGER PRIMARY KEY, client INTEGER NOT NULL, seq INTEGER NOT NULL); "
            + $"CREATE VIEW tx AS SELECT 1 AS id, 1 AS client, length(edit('x', 'touch {marker}')) AS seq;");

        var error = await Assert.ThrowsAsync<IOException>(() => SqliteGuest.CheckAsync(image, [new(1, 1, 1)], CancellationToken.None));

        Assert.Contains("is refused", error.Message, StringComparison.Ordinal);
        Assert.Contains("(0 such table, 1 views, 0 triggers, 2 entries that are neither)", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(marker), "edit() ran a command on the host");
    }

    [Ext4ToolsFact]
    public async Task Check_ATrigger_IsRefused()
    {
        var image = await ImageWithDatabaseAsync(
            ServiceTable + "CREATE TRIGGER tx_more AFTER INSERT ON tx BEGIN INSERT INTO tx(client, seq) VALUES(NEW.client, NEW.seq + 1); END; "
            + "INSERT INTO tx(client, seq) VALUES(1, 1);");

        var error = await Assert.ThrowsAsync<IOException>(() => SqliteGuest.CheckAsync(image, [new(1, 1, 1)], CancellationToken.None));

        Assert.Contains("(1 such table, 0 views, 1 triggers, 1 entries that are neither)", error.Message, StringComparison.Ordinal);
    }

    [Ext4ToolsFact]
    public async Task Check_ToolOverItsTimeLimit_IsAnErrorNamingIt()
    {
        var image = await ImageWithDatabaseAsync(ServiceTable);

        // A zero limit: the tool is stopped at once, as one that ran too long would be, with no race on a clock.
        var error = await Assert.ThrowsAsync<IOException>(() => SqliteGuest.CheckAsync(image, [new(1, 1, 1)], TimeSpan.Zero, CancellationToken.None));

        Assert.Equal($"e2fsck on {image} (a copy) did not finish within 0 s", error.Message);
    }

    [Fact]
    public async Task FormatDisk_PathThatCannotBeCreated_IsOneLineNamingIt()
    {
        var missing = Path.Combine(_folder, "no", "such", "x.img");

        var inMissingFolder = await SqliteGuest.FormatDiskAsync(missing, 16L * 1024 * 1024, CancellationToken.None);
        var aFolder = await SqliteGuest.FormatDiskAsync(_folder, 16L * 1024 * 1024, CancellationToken.None);

        Assert.NotNull(inMissingFolder);
        Assert.StartsWith($"{missing}: ", inMissingFolder, StringComparison.Ordinal);
        Assert.NotNull(aFolder);
        Assert.StartsWith($"{_folder}: ", aFolder, StringComparison.Ordinal);
        Assert.True(Directory.Exists(_folder));
    }

    [Ext4ToolsFact]
    public async Task Check_ImageWithoutTheDatabase_IsAnErrorNotAnEmptyAnswer()
    {
        var image = Path.Combine(_folder, "empty.img");
        Assert.Null(await SqliteGuest.FormatDiskAsync(image, 16L * 1024 * 1024, CancellationToken.None));

        var error = await Assert.ThrowsAsync<IOException>(() => SqliteGuest.CheckAsync(image, [new(1, 1, 1)], CancellationToken.None));

        Assert.Contains("holds no /tx.sqlite", error.Message, StringComparison.Ordinal);
    }

    /// <summary>The table the guest's writer creates.</summary>
    private const string ServiceTable = "CREATE TABLE tx(id INTEGER PRIMARY KEY, client INTEGER NOT NULL, seq INTEGER NOT NULL); ";

    /// <summary>A fresh ext4 image as 'roost dr protect' formats it, holding /tx.sqlite made by <paramref name="sql"/>.</summary>
    private async Task<string> ImageWithDatabaseAsync(string sql)
    {
        var image = Path.Combine(_folder, "disk.img");
        Assert.Null(await SqliteGuest.FormatDiskAsync(image, 16L * 1024 * 1024, CancellationToken.None));
        var database = Path.Combine(_folder, "db.sqlite");
        await RunAsync("sqlite3", database, sql);
        await RunAsync("debugfs", "-w", "-R", $"write {database} {SqliteGuest.DatabaseFile}", image);
        return image;
    }

    private static async Task RunAsync(string file, params string[] arguments)
    {
        var result = await ExternalCommand.RunAsync(ExternalCommand.FindTool(file) ?? file, arguments, "/", CancellationToken.None);
        Assert.True(result.ExitCode == 0, $"{file} {string.Join(' ', arguments)}: {result.StandardError}");
    }
}
