using Roost.Hypervisor.Images;
using Roost.Hypervisor.Recovery;

namespace Roost.Hypervisor.Tests.Recovery;

/// <summary>
/// The zero-loss check's reading of a replica (<see cref="SqliteGuest.CheckAsync"/>), on an ext4 image made on the
/// host as <c>roost dr protect</c> makes the guest's disk, holding a database as the guest's writer leaves it: every
/// acknowledged transaction present is found, one that is not (or that names another row) is reported, and an image
/// without the database is an error naming it, never an empty "nothing missing". Seconds, no QEMU.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SqliteGuestCheckTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("roost-drcheck-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Ext4ToolsFact]
    public async Task Check_ReadsTheDatabaseOnTheImage_AndNamesTheMissingTransactions()
    {
        var image = Path.Combine(_folder, "disk.img");
        Assert.Null(await SqliteGuest.FormatDiskAsync(image, 16L * 1024 * 1024, CancellationToken.None));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(image));
        var database = Path.Combine(_folder, "db.sqlite");
        await RunAsync("sqlite3", database,
            "PRAGMA journal_mode=TRUNCATE; CREATE TABLE tx(id INTEGER PRIMARY KEY, client INTEGER NOT NULL, seq INTEGER NOT NULL); "
            + "BEGIN; INSERT INTO tx(client, seq) VALUES(1, 1); COMMIT; BEGIN; INSERT INTO tx(client, seq) VALUES(2, 1); COMMIT; "
            + "BEGIN; INSERT INTO tx(client, seq) VALUES(1, 2); COMMIT;");
        await RunAsync("debugfs", "-w", "-R", $"write {database} {SqliteGuest.DatabaseFile}", image);

        var check = await SqliteGuest.CheckAsync(
            image,
            [new(1, 1, 1), new(2, 1, 2), new(1, 2, 3), new(3, 1, 4), new(2, 1, 3)],
            CancellationToken.None);

        Assert.Equal(3, check.Rows);
        Assert.Equal([new SqliteGuest.Acknowledged(3, 1, 4), new SqliteGuest.Acknowledged(2, 1, 3)], check.Missing);
    }

    [Ext4ToolsFact]
    public async Task Check_ImageWithoutTheDatabase_IsAnErrorNotAnEmptyAnswer()
    {
        var image = Path.Combine(_folder, "empty.img");
        Assert.Null(await SqliteGuest.FormatDiskAsync(image, 16L * 1024 * 1024, CancellationToken.None));

        var error = await Assert.ThrowsAsync<IOException>(() => SqliteGuest.CheckAsync(image, [new(1, 1, 1)], CancellationToken.None));

        Assert.Contains("holds no /tx.sqlite", error.Message, StringComparison.Ordinal);
    }

    private static async Task RunAsync(string file, params string[] arguments)
    {
        var result = await ExternalCommand.RunAsync(file, arguments, "/", CancellationToken.None);
        Assert.True(result.ExitCode == 0, $"{file} {string.Join(' ', arguments)}: {result.StandardError}");
    }
}
