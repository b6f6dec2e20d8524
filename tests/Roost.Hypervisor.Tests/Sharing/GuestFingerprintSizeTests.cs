using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Roost.Core.Sharing;
using Roost.Hypervisor.Agent;

namespace Roost.Hypervisor.Tests.Sharing;

/// <summary>
/// The memory size an agent declares is checked before anything is allocated for it: a scripted agent declaring a huge
/// (or a different) size gets one refusal naming the agent and the VM, and no memory read is made.
/// </summary>
public sealed class GuestFingerprintSizeTests
{
    private static readonly Uri _agent = new("http://127.0.0.1:7103/");

    [Theory]
    [InlineData(int.MaxValue, null, "expected at most 8192 MiB")]
    [InlineData(8193, null, "expected at most 8192 MiB")]
    [InlineData(256, 128, "expected 128 MiB")]
    public async Task DeclaredSize_AboveTheMaximumOrNotTheExpected_IsRefused_BeforeAnyRead(int declared, int? expected, string why)
    {
        using var agent = new DeclaringAgent(declared);
        using var http = new HttpClient(agent);
        var client = new GuestFingerprintClient(http) { MaxMemoryMiB = 8192, ExpectedMemoryMiB = expected };

        var result = await client.FingerprintAsync(_agent, "t", "vm-1", HashSampling.None, CancellationToken.None);

        var problem = Assert.IsType<AgentOutcome<GuestMemoryFingerprint>.Failed>(result).Problem;
        Assert.Equal($"agent {_agent} declared VM 'vm-1' with {declared} MiB of memory, {why}: not read", problem.Detail);
        Assert.DoesNotContain(agent.Paths, p => p.Contains("/memory", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DeclaredSize_AsExpected_IsRead()
    {
        using var agent = new DeclaringAgent(1);
        using var http = new HttpClient(agent);
        var client = new GuestFingerprintClient(http) { MaxMemoryMiB = 8192, ExpectedMemoryMiB = 1 };

        var result = await client.FingerprintAsync(_agent, "t", "vm-1", HashSampling.None, CancellationToken.None);

        Assert.Equal(PageHasher.PagesPerMiB, Assert.IsType<AgentOutcome<GuestMemoryFingerprint>.Ok>(result).Value.MemoryPages);
        Assert.Contains("/api/vms/vm-1/memory", agent.Paths);
    }

    /// <summary>An agent describing vm-1 with <paramref name="memoryMiB"/> MiB whose RAM reads as zeros.</summary>
    private sealed class DeclaringAgent(int memoryMiB) : HttpMessageHandler
    {
        public ConcurrentQueue<string> Paths { get; } = new();

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var uri = request.RequestUri ?? throw new InvalidOperationException("no URI");
            Paths.Enqueue(uri.AbsolutePath);
            if (uri.AbsolutePath == "/api/vms/vm-1")
            {
                var json = JsonSerializer.Serialize(new VmInfo("vm-1", 1, memoryMiB, VmState.Running, 42, "/dev/shm/x"), AgentJson.Options);
                return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(json, Encoding.UTF8, "application/json") });
            }

            var length = int.Parse(System.Web.HttpUtility.ParseQueryString(uri.Query)["length"] ?? "0", System.Globalization.CultureInfo.InvariantCulture);
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(new byte[length]) });
        }
    }
}
