using System.Net.Sockets;
using System.Text;
using Roost.Hypervisor.Qemu;

namespace Roost.Hypervisor.Tests.Qemu;

/// <summary>The host end of the reporter line, against a socket playing the guest.</summary>
public sealed class ReporterChannelTests : IAsyncLifetime, IDisposable
{
    private const string Report = "{\"seq\":SEQ,\"cpu\":{\"user\":5,\"nice\":0,\"system\":7,\"idle\":90,\"iowait\":0,\"irq\":0,\"softirq\":1,\"steal\":0},"
        + "\"memKiB\":{\"total\":81924,\"free\":50000,\"available\":60000},\"swapKiB\":{\"total\":0,\"free\":0,\"pagesIn\":0,\"pagesOut\":0},"
        + "\"net\":{\"rxBytes\":10,\"txBytes\":20}}";

    private readonly string _path = Path.Combine(Path.GetTempPath(), $"rep-{Environment.ProcessId}-{Path.GetRandomFileName()}.sock");
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private Socket? _guest;
    private ReporterChannel? _channel;

    private ReporterChannel Channel => _channel ?? throw new InvalidOperationException("not connected");

    public async Task InitializeAsync()
    {
        _listener.Bind(new UnixDomainSocketEndPoint(_path));
        _listener.Listen(1);
        var accept = _listener.AcceptAsync();
        _channel = await ReporterChannel.ConnectAsync(_path, TimeProvider.System, CancellationToken.None);
        _guest = await accept;
    }

    public async Task DisposeAsync()
    {
        if (_channel is not null)
        {
            await _channel.DisposeAsync();
        }
    }

    public void Dispose()
    {
        _guest?.Dispose();
        _listener.Dispose();
        File.Delete(_path);
    }

    [Fact]
    public async Task Reports_AreParsed_AndACutLineIsSkipped()
    {
        var waiting = Channel.WaitForReportAsync(r => r.Seq >= 2, TimeSpan.FromSeconds(10), CancellationToken.None);

        await GuestSaysAsync("ree\":0},\"net\":{\"rxBytes\":1}}\n" + Report.Replace("SEQ", "1", StringComparison.Ordinal) + "\n");
        await GuestSaysAsync(Report.Replace("SEQ", "2", StringComparison.Ordinal) + "\r\n");

        var report = await waiting;
        Assert.Equal((2L, 5L, 81924L, 20L), (report.Seq, report.CpuUser, report.MemTotalKiB, report.NetTxBytes));
        Assert.Equal(2, Channel.Latest?.Seq);
    }

    [Fact]
    public async Task Send_WritesTheCommandLine_AndReturnsOnItsAck()
    {
        var sent = Channel.SendAsync("cpu 2", TimeSpan.FromSeconds(10), CancellationToken.None);
        var line = await GuestReadsLineAsync();

        await GuestSaysAsync("{\"ack\":\"cpu\",\"value\":2}\n");

        Assert.Equal("cpu 2", line);
        Assert.True(await sent);
    }

    [Fact]
    public async Task Send_WithoutAck_ReturnsFalse()
    {
        var acked = await Channel.SendAsync("mem 4", TimeSpan.FromMilliseconds(200), CancellationToken.None);

        Assert.False(acked);
    }

    private async Task GuestSaysAsync(string text) =>
        await (_guest ?? throw new InvalidOperationException("no guest")).SendAsync(Encoding.UTF8.GetBytes(text));

    private async Task<string> GuestReadsLineAsync()
    {
        var guest = _guest ?? throw new InvalidOperationException("no guest");
        var line = new StringBuilder();
        var buffer = new byte[1];
        while (await guest.ReceiveAsync(buffer) == 1 && buffer[0] != (byte)'\n')
        {
            line.Append((char)buffer[0]);
        }

        return line.ToString();
    }
}
