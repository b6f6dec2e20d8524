using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Roost.Controller.Tests.Store;

/// <summary>
/// A private PostgreSQL server for one test class: initdb into a temp directory, pg_ctl start on a free 127.0.0.1
/// port with trust auth, stopped and deleted on dispose. As root (which initdb refuses) it runs as the
/// <c>postgres</c> user via <c>runuser</c>. Tests using it skip when the binaries are absent (<see cref="PostgresEnvironment"/>).
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private const string User = "roost";
    private string? _bin;
    private string? _directory;
    private int _port;
    private bool _asPostgresUser;
    private int _databases;

    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={_port};Username={User};Database={database};Pooling=true;Timeout=15";

    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"roost_test_{Interlocked.Increment(ref _databases)}";
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync();
        return name;
    }

    public async Task InitializeAsync()
    {
        _bin = PostgresEnvironment.BinaryDirectory;
        if (_bin is null)
        {
            return;
        }

        _asPostgresUser = Environment.UserName == "root";
        _directory = Directory.CreateTempSubdirectory("roost-pg-").FullName;
        _port = FreePort();
        if (_asPostgresUser)
        {
            await RunAsync("chown", ["-R", "postgres", _directory]);
        }

        var data = Path.Combine(_directory, "data");
        await RunPostgresAsync("initdb", ["-D", data, "-U", User, "--auth=trust", "--no-sync", "-E", "UTF8"]);
        await RunPostgresAsync("pg_ctl", ["-D", data, "-l", Path.Combine(_directory, "log"), "-w", "-t", "60", "-o",
            $"-p {_port} -k {_directory} -c listen_addresses=127.0.0.1 -c fsync=off", "start"]);
    }

    public async Task DisposeAsync()
    {
        if (_directory is null)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        try
        {
            await RunPostgresAsync("pg_ctl", ["-D", Path.Combine(_directory, "data"), "-m", "immediate", "-w", "stop"]);
        }
        finally
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private async Task RunPostgresAsync(string tool, string[] arguments)
    {
        var path = Path.Combine(_bin ?? throw new InvalidOperationException("no PostgreSQL"), tool);
        if (_asPostgresUser)
        {
            await RunAsync("runuser", ["-u", "postgres", "--", path, .. arguments]);
        }
        else
        {
            await RunAsync(path, arguments);
        }
    }

    private static async Task RunAsync(string file, string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited {process.ExitCode}: {await stderr}{await stdout}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
