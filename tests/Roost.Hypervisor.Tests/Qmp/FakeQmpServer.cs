using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Roost.Hypervisor.Tests.Qmp;

/// <summary>
/// A scripted stand-in for QEMU's QMP socket: sends the greeting, answers <c>qmp_capabilities</c>, and hands every
/// other command to <c>respond</c> (null: no answer). <see cref="Die"/> closes the connection as a dying QEMU would.
/// </summary>
internal sealed class FakeQmpServer : IAsyncDisposable
{
    private const string Greeting = "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 19, \"minor\": 2, \"major\": 7}, \"package\": \"\"}, \"capabilities\": [\"oob\"]}}";

    private readonly Socket _listener;
    private readonly Func<string, long, string?> _respond;
    private readonly Task _serve;
    private Socket? _connection;

    public FakeQmpServer(Func<string, long, string?> respond)
    {
        _respond = respond;
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"qmp-{Environment.ProcessId}-{System.IO.Path.GetRandomFileName()}.sock");
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(Path));
        _listener.Listen(1);
        _serve = ServeAsync();
    }

    public string Path { get; }

    public async Task SendAsync(string line)
    {
        var connection = _connection ?? throw new InvalidOperationException("no client");
        await connection.SendAsync(Encoding.UTF8.GetBytes(line + "\r\n"));
    }

    public void Die() => _connection?.Close();

    public async ValueTask DisposeAsync()
    {
        _connection?.Dispose();
        _listener.Dispose();
        try
        {
            await _serve;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException)
        {
            // Closed under the server's feet, as intended.
        }

        File.Delete(Path);
    }

    private async Task ServeAsync()
    {
        _connection = await _listener.AcceptAsync();
        await SendAsync(Greeting);
        using var reader = new StreamReader(new NetworkStream(_connection, ownsSocket: false));
        while (await reader.ReadLineAsync() is { } line)
        {
            using var request = JsonDocument.Parse(line);
            var command = request.RootElement.GetProperty("execute").GetString() ?? "";
            var id = request.RootElement.GetProperty("id").GetInt64();
            var reply = command == "qmp_capabilities" ? "{\"return\": {}}" : _respond(command, id);
            if (reply is not null)
            {
                await SendAsync(reply.Insert(reply.Length - 1, $", \"id\": {id}"));
            }
        }
    }
}
