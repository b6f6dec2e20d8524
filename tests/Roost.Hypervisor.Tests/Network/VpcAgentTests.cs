using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Roost.Hypervisor.Lab;
using Roost.Hypervisor.Network;
using Roost.Hypervisor.Tests.Agent;
using Roost.Hypervisor.Tests.Lab;
using Xunit.Abstractions;

namespace Roost.Hypervisor.Tests.Network;

/// <summary>
/// Issue 18's restart line with the real processes: a <c>roost serve</c> holding three VPCs (a reservation, an
/// enterprise, a rule to another VPC and one to the sites, a member) and one <c>roost agent --controller --vpc-site</c>
/// per site of a two-site lab, each keeping its site's kernel at the controller's intent by itself. Killing and
/// restarting the controller, then one agent, leaves the kernel state of both sites exactly as it was (a normalised dump
/// of links, addresses, permanent FDB entries, the nft ruleset, qdiscs, htb classes and filters, enterprise
/// namespaces) and the restarted side reports 0 changes; a new VPC reaches both sites through the long poll; deleting
/// every VPC leaves both sites exactly as the lab was before any VPC.
/// </summary>
[Collection(QemuNetworkTests.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class VpcAgentTests(QemuFixture fixture, ITestOutputHelper output)
{
    [NetworkLabFact(needsQemu: true)]
    public async Task Agents_KeepTheirSitesAtTheIntent_ThroughControllerAndAgentRestarts_AndDeletedVpcsLeaveNothing()
    {
        var labs = new WanLabFixture();
        await labs.InitializeAsync();
        var cli = labs.Relay.Arguments[0];
        var scratch = Path.Combine(Path.GetTempPath(), $"t{Environment.ProcessId}-vpcagent");
        Directory.CreateDirectory(scratch, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var data = Path.Combine(scratch, "controller");
        var agentToken = Path.Combine(scratch, "agent.token");
        File.WriteAllText(agentToken, QemuFixture.Token + "\n");
        File.SetUnixFileMode(agentToken, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var processes = new Dictionary<string, Process>();
        try
        {
            await using var lab = await labs.UpAsync(new WanLabOptions(2, BitRate.FromMegabits(50), TimeSpan.FromMilliseconds(10)));
            var before = await VpcTestKit.KernelStateAsync(lab);
            var port = FreePort();
            processes["controller"] = Start(cli, "controller", ["serve", "--data", data, "--listen", $"127.0.0.1:{port}", "--hosts", "2", "--vms", "2"]);
            using var api = await ConnectAsync(port, data, processes["controller"]);
            await SendAsync(api, HttpMethod.Post, "api/vpcs", new { name = "tenant-a", subnet = "10.0.0.0/24", reservedMbps = 10, enterpriseSite = 1 });
            await SendAsync(api, HttpMethod.Post, "api/vpcs", new { name = "tenant-b", subnet = "10.0.0.0/24" });
            await SendAsync(api, HttpMethod.Post, "api/vpcs", new { name = "tenant-c", subnet = "10.3.0.0/24" });
            await SendAsync(api, HttpMethod.Post, "api/vpcs/tenant-a/members", new { vm = "vm-1" });
            await SendAsync(api, HttpMethod.Post, "api/vpcs/tenant-a/rules", new { to = "tenant-c" });
            await SendAsync(api, HttpMethod.Post, "api/vpcs/tenant-c/rules", new { to = "site" });
            var clock = Stopwatch.StartNew();
            for (var site = 1; site <= 2; site++)
            {
                processes[$"agent{site}"] = StartAgent(cli, lab, site, port, data, agentToken);
            }

            var first = await AppliedEverywhereAsync(api, lab, since: DateTimeOffset.MinValue);
            output.WriteLine($"both agents applied {first.Version} {clock.ElapsedMilliseconds} ms after they were started");
            var state = await VpcTestKit.KernelStateAsync(lab);

            await StopAsync(processes, "controller");
            var restarted = DateTimeOffset.UtcNow;
            processes["controller"] = Start(cli, "controller", ["serve", "--data", data, "--listen", $"127.0.0.1:{port}", "--hosts", "2", "--vms", "2"]);
            using var api2 = await ConnectAsync(port, data, processes["controller"]);
            var afterControllerRestart = await AppliedEverywhereAsync(api2, lab, since: restarted);
            var stateAfterControllerRestart = await VpcTestKit.KernelStateAsync(lab);

            await StopAsync(processes, "agent1");
            var agentRestarted = DateTimeOffset.UtcNow;
            processes["agent1"] = StartAgent(cli, lab, 1, port, data, agentToken);
            var afterAgentRestart = await AppliedAsync(api2, 1, afterControllerRestart.Version, agentRestarted);
            var stateAfterAgentRestart = await VpcTestKit.KernelStateAsync(lab);

            var changed = Stopwatch.StartNew();
            await SendAsync(api2, HttpMethod.Post, "api/vpcs", new { name = "tenant-d", subnet = "10.4.0.0/24" });
            var afterChange = await AppliedEverywhereAsync(api2, lab, since: DateTimeOffset.UtcNow.AddSeconds(-1), notVersion: first.Version);
            output.WriteLine($"a new VPC was applied at both sites {changed.ElapsedMilliseconds} ms after the API call returned");
            var stateAfterChange = await VpcTestKit.KernelStateAsync(lab);

            await SendAsync(api2, HttpMethod.Delete, "api/vpcs/tenant-c/rules/site", null);
            await SendAsync(api2, HttpMethod.Delete, "api/vpcs/tenant-a/rules/tenant-c", null);
            await SendAsync(api2, HttpMethod.Delete, "api/vpcs/tenant-a/members/vm-1", null);
            foreach (var vpc in new[] { "tenant-a", "tenant-b", "tenant-c", "tenant-d" })
            {
                await SendAsync(api2, HttpMethod.Delete, $"api/vpcs/{vpc}", null);
            }

            var empty = await api2.GetFromJsonAsync<NetworkResponse>("api/network", JsonSerializerOptions.Web) ?? throw new InvalidOperationException("no intent");
            await AppliedEverywhereAsync(api2, lab, since: DateTimeOffset.MinValue, version: empty.Version());
            var stateAfterDelete = await VpcTestKit.KernelStateAsync(lab);

            Assert.True(first.Changes > 0, "the agents applied nothing at start");
            Assert.Contains("vb3", state, StringComparison.Ordinal);
            Assert.Contains("htb", state, StringComparison.Ordinal);
            Assert.Contains($"roost-{lab.Name}-s1e1", state, StringComparison.Ordinal);
            Assert.Equal(first.Version, afterControllerRestart.Version);
            Assert.Equal(0, afterControllerRestart.Changes);
            Assert.Equal(state, stateAfterControllerRestart);
            Assert.Equal(0, afterAgentRestart.Changes);
            Assert.Equal(state, stateAfterAgentRestart);
            Assert.True(afterChange.Changes > 0, "the new VPC changed nothing");
            Assert.Contains("vb4", stateAfterChange, StringComparison.Ordinal);
            Assert.NotEqual(state, stateAfterChange);
            Assert.Equal(before, stateAfterDelete);
        }
        finally
        {
            foreach (var name in processes.Keys.ToList())
            {
                await StopAsync(processes, name);
            }

            Directory.Delete(scratch, recursive: true);
            foreach (var dir in Directory.GetDirectories(Path.Combine(Path.GetTempPath(), "roost"), $"t{Environment.ProcessId}-vpcagent-*"))
            {
                Directory.Delete(dir, recursive: true);
            }

            await labs.DisposeAsync();
        }
    }

    /// <summary>A site's report: the version it applied and the changes that took (the last one both sites agree on, for two).</summary>
    private sealed record Applied(string Version, int Changes);

    private Process StartAgent(string cli, WanLab lab, int site, int port, string data, string agentToken) => Start(
        cli,
        $"agent{site}",
        [
            "agent", "--name", $"t{Environment.ProcessId}-vpcagent-{site}", "--listen", "127.0.0.1:0", "--capacity", "cpus=1,memory=256",
            "--token-file", agentToken, "--accel", fixture.Accelerator.ToString().ToLowerInvariant(), "--qemu", QemuEnvironment.Binary,
            "--controller", $"http://127.0.0.1:{port}/", "--controller-token-file", Path.Combine(data, "token"), "--vpc-site", $"{lab.Name}:{site}",
        ]);

    private Process Start(string cli, string name, IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        start.ArgumentList.Add(cli);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {name}");
        process.StandardInput.Close();
        DataReceivedEventHandler print = (_, e) =>
        {
            if (e.Data is { } line && (name != "controller" || !line.Contains("info:", StringComparison.Ordinal)))
            {
                output.WriteLine($"{name}: {line}");
            }
        };
        process.OutputDataReceived += print;
        process.ErrorDataReceived += print;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task StopAsync(Dictionary<string, Process> processes, string name)
    {
        if (processes.Remove(name, out var process))
        {
            if (!process.HasExited)
            {
                process.Kill();
            }

            await process.WaitForExitAsync();
            process.Dispose();
        }
    }

    /// <summary>A client of the controller on <paramref name="port"/> with its token, once it answers.</summary>
    private static async Task<HttpClient> ConnectAsync(int port, string data, Process controller)
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(10) };
        await AgentTestSteps.EventuallyAsync(
            async () =>
            {
                Assert.False(controller.HasExited, "the controller exited");
                try
                {
                    using var health = await client.GetAsync("healthz");
                    return health.IsSuccessStatusCode && File.Exists(Path.Combine(data, "token"));
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            },
            "the controller answers");
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (await File.ReadAllTextAsync(Path.Combine(data, "token"))).Trim());
        return client;
    }

    private static async Task SendAsync(HttpClient api, HttpMethod method, string path, object? body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        using var response = await api.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>Waits until both sites reported a success after <paramref name="since"/> (of <paramref name="version"/>, or not of <paramref name="notVersion"/>).</summary>
    private static async Task<Applied> AppliedEverywhereAsync(HttpClient api, WanLab lab, DateTimeOffset since, string? version = null, string? notVersion = null)
    {
        var current = version ?? (await api.GetFromJsonAsync<NetworkResponse>("api/network", JsonSerializerOptions.Web) ?? throw new InvalidOperationException("no intent")).Version();
        Assert.NotEqual(notVersion, current);
        var changes = 0;
        foreach (var site in lab.Layout.SiteNumbers)
        {
            changes += (await AppliedAsync(api, site, current, since)).Changes;
        }

        return new Applied(current, changes);
    }

    /// <summary>Waits until site <paramref name="site"/> reported applying <paramref name="version"/> after <paramref name="since"/>.</summary>
    private static async Task<Applied> AppliedAsync(HttpClient api, int site, string version, DateTimeOffset since)
    {
        Applied? applied = null;
        await AgentTestSteps.EventuallyAsync(
            async () =>
            {
                try
                {
                    var sites = await api.GetFromJsonAsync<JsonElement>("api/network/sites");
                    foreach (var report in sites.EnumerateArray())
                    {
                        if (report.GetProperty("site").GetInt32() == site && report.GetProperty("version").GetString() == version
                            && report.GetProperty("error").ValueKind == JsonValueKind.Null && report.GetProperty("at").GetDateTimeOffset() > since)
                        {
                            applied = new Applied(version, report.GetProperty("changes").GetInt32());
                        }
                    }
                }
                catch (HttpRequestException)
                {
                }

                return applied is not null;
            },
            $"site {site} reports version {version} applied");
        return applied ?? throw new InvalidOperationException("unreachable");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
