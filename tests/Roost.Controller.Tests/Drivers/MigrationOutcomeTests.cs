using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Roost.Controller.Control;
using Roost.Controller.Drivers;
using Roost.Core.Migration.Stream;
using Roost.Hypervisor.Agent;

namespace Roost.Controller.Tests.Drivers;

/// <summary>
/// The whole controller (API, control loop, agent driver) over two scripted agents served on 127.0.0.1: an operator's
/// migration that the source agent fails ends as a failed action whose outcome is the agent's own reason, and each
/// agent only ever saw its own token.
/// </summary>
public sealed class MigrationOutcomeTests
{
    [Fact]
    public async Task FailedMigration_ActionOutcomeIsTheAgentsReason_EachTokenOnlyToItsAgent()
    {
        var agents = new AgentHostDriverTests.ScriptedAgents();

        using var action = await MigrateThroughTheControllerAsync(agents);

        Assert.Equal("failed", action.RootElement.GetProperty("status").GetString(), ignoreCase: true);
        Assert.Contains("boom: the VM runs on the source", action.RootElement.GetProperty("outcome").GetString(), StringComparison.Ordinal);
        Assert.All(agents.Calls, c => Assert.Equal(c.Agent == AgentHostDriverTests.AgentA ? "Bearer token-a" : "Bearer token-b", c.Authorization));
    }

    /// <summary>The source agent's migration report (its wire type, read by the controller) reaches the action's outcome in the API's migration log.</summary>
    [Fact]
    public async Task CompletedMigration_ActionOutcomeCarriesTheAgentsReport()
    {
        var report = new MigrationReport("vm-1", "a", "http://b/", 2_340, 2_125, 208, 106, 97_658_551, 4, 134_217_728)
        {
            Transport = MigrationTransportKind.Relay,
            Relay = new RelayTraffic { StreamBytes = 97_658_551, FullPages = 19_818, FullBytes = 81_444_076, ZeroPages = 11_335, DeduplicatedPages = 3_161, DeltaPages = 764, PayloadBytes = 84_468_889, WireBytes = 48_737_275, Frames = 436, CompressedFrames = 298 },
            Passes = [new MigrationPass(1, 28_546, 116_924_416, 53, 1_781, 71_945_118, 3_663), new MigrationPass(2, 6_525, 26_726_400, 1_834, 290, 24_589_175, null)],
        };
        var agents = new AgentHostDriverTests.ScriptedAgents { Report = report };

        using var action = await MigrateThroughTheControllerAsync(agents);

        Assert.Equal("succeeded", action.RootElement.GetProperty("status").GetString(), ignoreCase: true);
        var outcome = action.RootElement.GetProperty("outcome").GetString() ?? "";
        Assert.Contains(report.Describe(), outcome, StringComparison.Ordinal);
        Assert.Contains("97.7 MB stream -> 48.7 MB on the wire (0.50x)", outcome, StringComparison.Ordinal);
        Assert.Contains("deduplicated 3161, delta 764", outcome, StringComparison.Ordinal);
        Assert.Contains("pass 1: 28546 dirty pages, 3663 pages/s dirtied; pass 2: 6525 dirty pages", outcome, StringComparison.Ordinal);
        Assert.Contains("downtime 208 ms", outcome, StringComparison.Ordinal);
    }

    /// <summary>The controller (API, loop, agent driver) over <paramref name="agents"/> served on 127.0.0.1; an operator's migration of VM 1 to host 1, until its action settles.</summary>
    private static async Task<JsonDocument> MigrateThroughTheControllerAsync(AgentHostDriverTests.ScriptedAgents agents)
    {
        await using var a = await ScriptedAgentServer.StartAsync(agents, AgentHostDriverTests.AgentA);
        await using var b = await ScriptedAgentServer.StartAsync(agents, AgentHostDriverTests.AgentB);
        using var data = new TempDirectory();
        var options = new ControllerOptions(data.Path)
        {
            Listen = "127.0.0.1:0",
            Agents = new AgentFleet([a.BaseAddress, b.BaseAddress], "") { AgentTokens = new Dictionary<Uri, string> { [a.BaseAddress] = "token-a", [b.BaseAddress] = "token-b" } },
            Loop = ControlLoopOptions.Default with { Interval = TimeSpan.FromMilliseconds(200) },
        };
        await using var controller = await ControllerApp.StartAsync(options, CancellationToken.None);
        using var api = new HttpClient { BaseAddress = controller.Address };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", controller.Tokens.Current);

        var planId = await Poll.UntilAsync(
            async () =>
            {
                using var response = await api.PostAsJsonAsync("/api/vms/1/migrate", new { host = 1 });
                return response.IsSuccessStatusCode ? (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64().ToString(CultureInfo.InvariantCulture) : null;
            },
            TimeSpan.FromSeconds(30),
            () => Task.FromResult("the controller does not accept the migration"));
        var settled = await Poll.UntilAsync(
            async () =>
            {
                var plan = await api.GetFromJsonAsync<JsonElement>($"/api/plans/{planId}");
                var first = plan.GetProperty("actions")[0];
                return first.GetProperty("status").GetString() is "failed" or "Failed" or "succeeded" or "Succeeded" ? first.GetRawText() : null;
            },
            TimeSpan.FromSeconds(30),
            async () => await api.GetStringAsync($"/api/plans/{planId}"));
        return JsonDocument.Parse(settled);
    }

    /// <summary>Serves scripted agents over real HTTP on 127.0.0.1, each answering as the scripted agent it stands for.</summary>
    internal sealed class ScriptedAgentServer(WebApplication app, Uri address) : IAsyncDisposable
    {
        public Uri BaseAddress { get; } = address;

        public static async Task<ScriptedAgentServer> StartAsync(HttpMessageHandler handler, Uri pretend)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var invoker = new HttpMessageInvoker(handler, disposeHandler: false);
            app.Run(async context =>
            {
                using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), new Uri(pretend, context.Request.Path.Value?.TrimStart('/') + context.Request.QueryString));
                if (context.Request.Headers.Authorization.ToString() is { Length: > 0 } authorization)
                {
                    request.Headers.TryAddWithoutValidation("Authorization", authorization);
                }

                using var body = new MemoryStream();
                await context.Request.Body.CopyToAsync(body);
                if (body.Length > 0)
                {
                    request.Content = new ByteArrayContent(body.ToArray());
                }

                using var response = await invoker.SendAsync(request, context.RequestAborted);
                context.Response.StatusCode = (int)response.StatusCode;
                context.Response.ContentType = response.Content.Headers.ContentType?.ToString();
                await response.Content.CopyToAsync(context.Response.Body);
            });
            await app.StartAsync();
            return new ScriptedAgentServer(app, new Uri(app.Urls.First().TrimEnd('/') + "/"));
        }

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
