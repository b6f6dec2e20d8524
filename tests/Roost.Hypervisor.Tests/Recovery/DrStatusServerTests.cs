using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Roost.Core.Model;
using Roost.Core.Recovery;
using Roost.Hypervisor.Recovery;

namespace Roost.Hypervisor.Tests.Recovery;

/// <summary><c>GET /status</c> of the cloud site over real HTTP on loopback: the token gate and what it reports.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DrStatusServerTests : IDisposable
{
    private static readonly byte[] _key = [.. Enumerable.Range(0, 32).Select(i => (byte)(i * 3))];
    private static readonly TimeSpan _wait = TimeSpan.FromSeconds(30);
    private readonly string _folder = Directory.CreateTempSubdirectory("roost-dr-status-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Status_NeedsTheToken_AndReportsEachProtectedVm()
    {
        var vm = new VmId(4);
        await using var server = ReplicationServer.Start(
            new IPEndPoint(IPAddress.Loopback, 0), _key, Path.Combine(_folder, "site"), [new ProtectedDisk(vm, 1 << 20)],
            new ReplicationManagerOptions { LossAfter = TimeSpan.FromSeconds(5), RetainCheckpoints = 7 }, TimeProvider.System, _ => { });
        await using var status = await DrStatusServer.StartAsync("127.0.0.1:0", "s3cret-token", () => server.Status, CancellationToken.None);
        await using (var primary = new ReplicationClient(server.LocalEndPoint, _key, new ReplicatorOptions { Mode = ReplicationMode.Sync }, [vm], TimeProvider.System, _ => { }))
        {
            await primary.WriteAsync(vm, 0, new byte[] { 1, 2, 3 }).WaitAsync(_wait);
            await primary.WriteAsync(vm, 4096, new byte[] { 4 }).WaitAsync(_wait);
        }

        using var http = new HttpClient { BaseAddress = status.BaseAddress, Timeout = _wait };
        using (var anonymous = await http.GetAsync(new Uri("status", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.Equal("application/problem+json", anonymous.Content.Headers.ContentType?.MediaType);
            Assert.Contains("no 'Authorization: Bearer <token>' header", await anonymous.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "s3cret-tokeN");
        using (var wrong = await http.GetAsync(new Uri("status", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "s3cret-token");
        var site = await http.GetFromJsonAsync<DrSiteStatus>(new Uri("status", UriKind.Relative), new JsonSerializerOptions(JsonSerializerDefaults.Web));
        Assert.NotNull(site);
        Assert.Equal((7, 5.0), (site.RetainCheckpoints, site.LossAfterSeconds!.Value));
        var one = Assert.Single(site.Vms);
        Assert.Equal((4, 1L << 20, 2L, false), (one.Vm, one.DiskBytes, one.Applied, one.Lost));
        Assert.NotNull(one.LastContact);
        Assert.Equal(one.Issued - one.Applied, one.Lag);

        using var other = await http.GetAsync(new Uri("checkpoints", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
    }

    [Fact]
    public async Task Actions_AreServedOnlyWhenTheSiteCanAct_AndEachAnswerIsAProblemOrTheVmsStatus()
    {
        var vm = new VmId(2);
        await using var server = ReplicationServer.Start(
            new IPEndPoint(IPAddress.Loopback, 0), _key, Path.Combine(_folder, "site"), [new ProtectedDisk(vm, 1 << 20)], new ReplicationManagerOptions(), TimeProvider.System, _ => { });
        var actions = new RecordingActions();
        await using var readOnly = await DrStatusServer.StartAsync("127.0.0.1:0", "tok", () => server.Status, CancellationToken.None);
        await using var acting = await DrStatusServer.StartAsync("127.0.0.1:0", "tok", () => server.Status, CancellationToken.None, actions);
        using var http = new HttpClient { Timeout = _wait };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "tok");

        using (var none = await http.PostAsync(new Uri(readOnly.BaseAddress, "vms/2/failover"), null))
        {
            Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
            Assert.Contains("only GET /status is served here", await none.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        actions.Next = new DrActionResult.Started();
        using (var started = await http.PostAsync(new Uri(acting.BaseAddress, "vms/2/failover"), null))
        {
            Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
            Assert.Equal(2, (await started.Content.ReadFromJsonAsync<DrVmStatus>(new JsonSerializerOptions(JsonSerializerDefaults.Web)))!.Vm);
        }

        actions.Next = new DrActionResult.Conflict("VM 2 is failed-over here");
        using (var conflict = await http.PostAsJsonAsync(new Uri(acting.BaseAddress, "vms/2/failback"), new { to = "127.0.0.1:7100" }))
        {
            Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
            Assert.Contains("POST /vms/2/failback: VM 2 is failed-over here", await conflict.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        actions.Next = new DrActionResult.UnknownVm();
        using (var unknown = await http.PostAsync(new Uri(acting.BaseAddress, "vms/9/failover"), null))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }

        foreach (var body in new[] { "{\"to\":\"example.org:80\"}", "{\"to\":\"127.0.0.1\"}", "{\"to\":\"127.0.0.1:0\"}", "{\"to\":\"127.0.0.1:80; rm -rf /\"}", "not json", "{}" })
        {
            using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
            using var bad = await http.PostAsync(new Uri(acting.BaseAddress, "vms/2/failback"), content);
            Assert.True(bad.StatusCode == HttpStatusCode.BadRequest, $"{body}: {bad.StatusCode}");
        }

        using (var huge = new StringContent("{\"to\":\"" + new string('1', DrStatusServer.MaxBodyBytes) + "\"}", System.Text.Encoding.UTF8, "application/json"))
        using (var tooLarge = await http.PostAsync(new Uri(acting.BaseAddress, "vms/2/failback"), huge))
        {
            Assert.True((int)tooLarge.StatusCode is 400 or 413, $"{tooLarge.StatusCode}");
        }

        Assert.Equal(["failover 2 command", "failback 2 127.0.0.1:7100", "failover 9 command"], actions.Calls);
        http.DefaultRequestHeaders.Authorization = null;
        using var anonymous = await http.PostAsync(new Uri(acting.BaseAddress, "vms/2/failover"), null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(3, actions.Calls.Count);
    }

    private sealed class RecordingActions : IDrSiteActions
    {
        public List<string> Calls { get; } = [];

        public DrActionResult Next { get; set; } = new DrActionResult.UnknownVm();

        public DrActionResult Failover(int vm, string trigger)
        {
            Calls.Add($"failover {vm} {trigger}");
            return Next;
        }

        public DrActionResult Failback(int vm, IPEndPoint primary)
        {
            Calls.Add($"failback {vm} {primary}");
            return Next;
        }
    }
}
