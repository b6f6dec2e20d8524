using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Roost.Hypervisor.Tests.Agent;

/// <summary>
/// A pretend destination agent on 127.0.0.1, speaking just enough HTTP/1.1 to answer each call as a test scripts it
/// (<see cref="StubAnswer"/>): a canned body, an endless body, a hang, a dropped connection, or the answer of a real
/// agent it forwards to. It records every request line and Authorization header it receives.
/// </summary>
internal sealed class HostileAgentStub : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<StubRequest, Task<StubAnswer>> _answer;
    private readonly ConcurrentBag<Task> _connections = [];
    private readonly Task _accepting;

    public HostileAgentStub(Func<StubRequest, Task<StubAnswer>> answer)
    {
        _answer = answer;
        _listener.Start();
        BaseAddress = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _accepting = AcceptAsync();
    }

    public Uri BaseAddress { get; }

    /// <summary>Every request as "METHOD /path", in arrival order.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>Every Authorization header value received (empty string when a request had none).</summary>
    public ConcurrentQueue<string> Authorizations { get; } = new();

    /// <summary>Bytes written in endless bodies (the agent's reading stops long before).</summary>
    public long EndlessBytesWritten => Interlocked.Read(ref _endless);

    private long _endless;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        await Task.WhenAll(_connections);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _connections.Add(ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        var stream = client.GetStream();
        try
        {
            var request = await ReadRequestAsync(stream);
            if (request is null)
            {
                return;
            }

            Requests.Enqueue($"{request.Method} {request.Path}");
            Authorizations.Enqueue(request.Authorization ?? "");
            switch (await _answer(request))
            {
                case StubAnswer.Json json:
                    var body = Encoding.UTF8.GetBytes(json.Body);
                    await WriteAsync(stream, $"HTTP/1.1 {json.Status} X\r\nContent-Type: {json.ContentType}\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
                    await stream.WriteAsync(body, _stop.Token);
                    break;
                case StubAnswer.Endless endless:
                    await WriteAsync(stream, $"HTTP/1.1 {endless.Status} X\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
                    var chunk = Encoding.ASCII.GetBytes("10000\r\n" + new string(' ', 0x10000) + "\r\n");
                    await WriteAsync(stream, "1\r\n{\r\n");

                    // Until the reader hangs up (at most 1 GiB, so the loop ends whatever happens).
                    for (var sent = 0L; sent < 1L << 30; sent += 0x10000)
                    {
                        await stream.WriteAsync(chunk, _stop.Token);
                        Interlocked.Add(ref _endless, 0x10000);
                    }

                    break;
                case StubAnswer.Hang:
                    await Task.Delay(Timeout.InfiniteTimeSpan, _stop.Token);
                    break;
                case StubAnswer.Drop:
                    client.Client.Close();
                    break;
                default:
                    throw new InvalidOperationException("unknown answer");
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The agent hung up (as it should on an endless body), or the stub is stopping.
        }
    }

    private async Task<StubRequest?> ReadRequestAsync(NetworkStream stream)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (head.Length > 16 * 1024 || await stream.ReadAsync(one, _stop.Token) == 0)
            {
                return null;
            }

            head.Append((char)one[0]);
        }

        var lines = head.ToString().Split("\r\n");
        var start = lines[0].Split(' ');
        var headers = lines.Skip(1).Where(l => l.Contains(':', StringComparison.Ordinal))
            .Select(l => l.Split(':', 2)).ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
        var length = headers.TryGetValue("Content-Length", out var text) ? int.Parse(text, CultureInfo.InvariantCulture) : 0;
        var body = new byte[Math.Min(length, 64 * 1024)];
        var read = 0;
        while (read < body.Length && await stream.ReadAsync(body.AsMemory(read), _stop.Token) is var n and > 0)
        {
            read += n;
        }

        return new StubRequest(start[0], start[1], headers.GetValueOrDefault("Authorization"), Encoding.UTF8.GetString(body, 0, read));
    }

    private Task WriteAsync(NetworkStream stream, string text) => stream.WriteAsync(Encoding.ASCII.GetBytes(text), _stop.Token).AsTask();
}

/// <summary>One request the stub received.</summary>
internal sealed record StubRequest(string Method, string Path, string? Authorization, string Body);

/// <summary>How the stub answers one request. Closed set.</summary>
internal abstract record StubAnswer
{
    private StubAnswer()
    {
    }

    public sealed record Json(int Status, string Body, string ContentType = "application/json") : StubAnswer;

    public sealed record Endless(int Status) : StubAnswer;

    public sealed record Hang : StubAnswer;

    public sealed record Drop : StubAnswer;
}
