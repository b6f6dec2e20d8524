using System.Net;
using System.Net.Sockets;
using Roost.Controller.Drivers;

namespace Roost.Controller.Tests.Drivers;

public sealed class AgentFleetTests
{
    [Theory]
    [InlineData("http://127.0.0.1:7001,http://127.0.0.1:7002/", "http://127.0.0.1:7001/ http://127.0.0.1:7002/")]
    [InlineData(" https://h1.example:8443/agent ", "https://h1.example:8443/agent/")]
    public void TryParse_Urls_AreNormalizedWithATrailingSlash(string list, string expected)
    {
        Assert.True(AgentFleet.TryParse(list, "token\n", out var fleet, out var error), error);

        Assert.Equal(expected, string.Join(' ', fleet.Agents));
        Assert.Equal("token", fleet.Token);
    }

    [Theory]
    [InlineData("ftp://x/", "token", "'ftp://x/' is not an agent URL")]
    [InlineData("127.0.0.1:7001", "token", "is not an agent URL")]
    [InlineData("http://a/,http://a", "token", "http://a/ is given twice")]
    [InlineData(" , ", "token", "at least one agent URL")]
    [InlineData("http://a/", " \n", "--agent-token-file: the file is empty")]
    public void TryParse_BadInput_SaysWhatIsWrong(string list, string token, string expected)
    {
        Assert.False(AgentFleet.TryParse(list, token, out _, out var error));

        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_OneTokenPerAgent_EachAgentGetsItsOwn()
    {
        const string File = "# per-agent tokens\nhttp://127.0.0.1:7001 token-a\n\n  http://127.0.0.1:7002/   token-b  \n";

        Assert.True(AgentFleet.TryParse("http://127.0.0.1:7001/,http://127.0.0.1:7002", File, out var fleet, out var error), error);

        Assert.Equal("token-a", fleet.TokenFor(new Uri("http://127.0.0.1:7001/")));
        Assert.Equal("token-b", fleet.TokenFor(new Uri("http://127.0.0.1:7002/")));
    }

    [Theory]
    [InlineData("http://a/ t1\nhttp://c/ t3", "entry 2 names http://c/, which is not in --agents")]
    [InlineData("http://a/ t1", "no token for http://b/")]
    [InlineData("http://a/ t1\nhttp://a/ t2\nhttp://b/ t3", "http://a/ has two tokens")]
    [InlineData("http://a/\nhttp://b/ t2", "entry 1 is not 'URL TOKEN'")]
    [InlineData("t\u00e9", "printable ASCII")]
    public void TryParse_BadTokenFile_SaysWhichEntry(string file, string expected)
    {
        Assert.False(AgentFleet.TryParse("http://a/,http://b/", file, out _, out var error));

        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_WithAnUnreachableAgent_FailsWithOneLineNamingIt()
    {
        var port = FreePort();
        using var data = new TempDirectory();
        var options = new ControllerOptions(data.Path)
        {
            Listen = "127.0.0.1:0",
            Agents = new AgentFleet([new Uri($"http://127.0.0.1:{port}/")], "token"),
        };

        var e = await Assert.ThrowsAsync<IOException>(() => ControllerApp.StartAsync(options, CancellationToken.None));

        Assert.Contains($"agent http://127.0.0.1:{port}/: GET /api/agent: unreachable", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    /// <summary>
    /// A loopback port nothing listens on, for a process the test starts that binds it itself. Chosen at random below
    /// the kernel's ephemeral range (<c>/proc/sys/net/ipv4/ip_local_port_range</c>) and checked by binding it: a port
    /// from inside that range (a bind to port 0) could be handed to any outgoing connection of the tests running in
    /// parallel between this check and the process's own bind (it happened: "address already in use").
    /// </summary>
    internal static int FreePort()
    {
        var ephemeralStart = File.Exists("/proc/sys/net/ipv4/ip_local_port_range")
            && int.TryParse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries)[0], out var first)
            ? first
            : 0;
        for (var attempt = 0; ephemeralStart > 20_000 && attempt < 100; attempt++)
        {
            var port = Random.Shared.Next(20_000, ephemeralStart);
            try
            {
                using var probe = new TcpListener(IPAddress.Loopback, port);
                probe.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken: try another.
            }
        }

        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
