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

    [Fact]
    public async Task HostileLines_AreDroppedOrIgnored_AndTheChannelKeepsWorking()
    {
        var waiting = Channel.WaitForReportAsync(r => r.Seq >= 7, TimeSpan.FromSeconds(10), CancellationToken.None);
        var endless = new string('x', 10 * ReporterChannel.MaxLineBytes);

        await GuestSaysAsync("{\"seq\":" + endless + "\n");
        await GuestSaysAsync(Report.Replace("SEQ", "\"NaN\"", StringComparison.Ordinal) + "\n");
        await GuestSaysAsync(Report.Replace("SEQ", "-3", StringComparison.Ordinal) + "\n");
        await GuestSaysAsync(Report.Replace("SEQ", "1e400", StringComparison.Ordinal) + "\n");
        await GuestSaysAsync("{\"seq\":4,\"cpu\":{}}\n[1,2]\n\"ack\"\n" + new string('[', 100) + "\n");
        await GuestSaysAsync(Report.Replace("SEQ", "7", StringComparison.Ordinal) + "\n");

        var report = await waiting;
        Assert.Equal(7, report.Seq);
        Assert.Equal(1, Channel.DroppedLines);
    }

    [Fact]
    public async Task Request_ReturnsTheAckLine_AndMemtestCountsAreValidated()
    {
        var request = Channel.RequestAsync("memtest check", TimeSpan.FromSeconds(10), CancellationToken.None);
        Assert.Equal("memtest check", await GuestReadsLineAsync());

        await GuestSaysAsync("{\"ack\":\"memtest\",\"value\":0,\"memtest\":" + Memtest(wrong: 2, stale: 1, torn: 1) + "}\n");

        var ack = await request;
        Assert.NotNull(ack);
        var report = MemtestReport.TryParse(ack.Value);
        Assert.NotNull(report);
        Assert.Equal((8192L, 8192L, 2L, 1L, 1L, 1500L), (report.Pages, report.Checked, report.Wrong, report.Stale, report.Torn, report.AchievedPagesPerSecond));
    }

    [Theory]
    [InlineData("{\"memtest\":MEMTEST}", true)]
    [InlineData("{\"memtest\":MEMTEST_INCONSISTENT}", false)]
    [InlineData("{\"memtest\":MEMTEST_NEGATIVE}", false)]
    [InlineData("{\"memtest\":MEMTEST_NAN}", false)]
    [InlineData("{\"memtest\":MEMTEST_HUGE}", false)]
    [InlineData("{\"memtest\":{}}", false)]
    [InlineData("{\"memtest\":[1]}", false)]
    [InlineData("{}", false)]
    public void MemtestReport_AcceptsOnlyConsistentNonNegativeCounts(string json, bool valid)
    {
        var text = json
            .Replace("MEMTEST_INCONSISTENT", Memtest(wrong: 2, stale: 1, torn: 0), StringComparison.Ordinal)
            .Replace("MEMTEST_NEGATIVE", Memtest(wrong: 0, stale: 0, torn: 0).Replace("\"writes\":9000", "\"writes\":-1", StringComparison.Ordinal), StringComparison.Ordinal)
            .Replace("MEMTEST_NAN", Memtest(wrong: 0, stale: 0, torn: 0).Replace("\"writes\":9000", "\"writes\":\"NaN\"", StringComparison.Ordinal), StringComparison.Ordinal)
            .Replace("MEMTEST_HUGE", Memtest(wrong: 0, stale: 0, torn: 0).Replace("\"mib\":32", "\"mib\":9223372036854775807", StringComparison.Ordinal), StringComparison.Ordinal)
            .Replace("MEMTEST", Memtest(wrong: 0, stale: 0, torn: 0), StringComparison.Ordinal);
        using var document = System.Text.Json.JsonDocument.Parse(text);

        Assert.Equal(valid, MemtestReport.TryParse(document.RootElement) is not null);
    }

    private static string Memtest(int wrong, int stale, int torn) =>
        "{\"mib\":32,\"pagesPerSecond\":1500,\"pages\":8192,\"checks\":1,\"checked\":8192,\"wrong\":" + wrong + ",\"stale\":" + stale
        + ",\"ahead\":0,\"torn\":" + torn + ",\"garbage\":0,\"wrongTotal\":" + wrong + ",\"writes\":9000,\"writeMs\":6000,\"achievedPagesPerSecond\":1500}";

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
