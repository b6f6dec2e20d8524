using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Roost.Hypervisor.Agent;
using Roost.Hypervisor.Images;
using Roost.Hypervisor.Qemu;

namespace Roost.Controller.Tests.Agents;

/// <summary>
/// Real host agents on 127.0.0.1 (in-process <see cref="AgentServer"/>s running QEMU guests), each with a fresh
/// port, name and run directory; the guest image comes from the user's cache, so only the first run builds it.
/// Disposing stops the agents and destroys their VMs.
/// </summary>
internal sealed class AgentTestbed : IAsyncDisposable
{
    public const string Token = "controller-test-agent-token";

    private static readonly SemaphoreSlim _imageGate = new(1, 1);
    private static (GuestImage Image, Accelerator Accelerator)? _image;
    private static int _agents;

    private readonly List<AgentServer> _servers = [];

    private AgentTestbed(TempDirectory directory, GuestImage image, Accelerator accelerator)
    {
        Directory = directory;
        Image = image;
        Accelerator = accelerator;
        Http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        TokenFile = Path.Combine(directory.Path, "agent-token");
        File.WriteAllText(TokenFile, Token);
    }

    public TempDirectory Directory { get; }

    public GuestImage Image { get; }

    public Accelerator Accelerator { get; }

    /// <summary>Sends the agents' bearer token.</summary>
    public HttpClient Http { get; }

    public string TokenFile { get; }

    public IReadOnlyList<AgentServer> Agents => _servers;

    public static async Task<AgentTestbed> StartAsync()
    {
        var (image, accelerator) = await ImageAsync();
        return new AgentTestbed(new TempDirectory(), image, accelerator);
    }

    public Task<AgentServer> StartAgentAsync(string role, int cpus, int memoryMiB, params string[] moreProfiles) =>
        StartAgentAsync(role, cpus, memoryMiB, o => o, moreProfiles);

    /// <summary>An agent offering the default image and <paramref name="moreProfiles"/>, its options changed by <paramref name="configure"/>.</summary>
    public async Task<AgentServer> StartAgentAsync(string role, int cpus, int memoryMiB, Func<AgentOptions, AgentOptions> configure, string[] moreProfiles)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var name = $"c{Environment.ProcessId}-{Interlocked.Increment(ref _agents)}-{role}";
        var more = new List<GuestImage>();
        foreach (var profile in moreProfiles)
        {
            more.Add(await ProfileImageAsync(profile));
        }

        var options = new AgentOptions(name, new AgentCapacity(cpus, memoryMiB), Token, Image, Accelerator, QemuEnvironment.Binary, Path.Combine(Directory.Path, name)) { ExtraImages = more };
        options = configure(options);
        var server = await AgentServer.StartAsync(options, "127.0.0.1:0", TimeProvider.System, CancellationToken.None);
        _servers.Add(server);
        return server;
    }

    /// <summary>Boots a VM on an agent through its API and waits for the guest's first report.</summary>
    public async Task BootAsync(AgentServer agent, string id, int cpus, int memoryMiB)
    {
        using var response = await Http.PostAsJsonAsync(new Uri(agent.BaseAddress, "api/vms"), new { id, cpus, memoryMiB });
        Assert.True(response.IsSuccessStatusCode, $"booting {id} on {agent.BaseAddress}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>Makes the guest busy-loop <paramref name="cpus"/> of its CPUs (the reporter's <c>cpu N</c> command).</summary>
    public async Task LoadAsync(AgentServer agent, string id, int cpus)
    {
        using var response = await Http.PostAsJsonAsync(new Uri(agent.BaseAddress, $"api/vms/{id}/load"), new { busyCpus = cpus });
        Assert.True(response.IsSuccessStatusCode, $"loading {id}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>Starts the guest's memory verifier: <paramref name="mib"/> MiB rewritten at <paramref name="pagesPerSecond"/> pages a second.</summary>
    public async Task StartMemtestAsync(AgentServer agent, string id, int mib = 32, int pagesPerSecond = 1500)
    {
        using var response = await Http.PostAsJsonAsync(new Uri(agent.BaseAddress, $"api/vms/{id}/memtest"), new { mib, pagesPerSecond });
        Assert.True(response.IsSuccessStatusCode, $"memtest on {id}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>Has the guest's verifier check every page; asserts it checked them all and found none wrong, and returns its counts.</summary>
    public async Task<MemtestReport> AssertMemoryIntactAsync(AgentServer agent, string id)
    {
        using var response = await Http.GetAsync(new Uri(agent.BaseAddress, $"api/vms/{id}/memtest"));
        Assert.True(response.IsSuccessStatusCode, $"memtest check on {id}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        var report = await response.Content.ReadFromJsonAsync<MemtestReport>() ?? throw new InvalidOperationException("empty memtest report");
        Assert.True(report.Checked == report.Pages && report.Pages > 0, $"{id}: the verifier checked {report.Checked} of {report.Pages} pages");
        Assert.True(report.WrongTotal == 0, $"{id}: {report.WrongTotal} guest pages lost writes ({report})");
        return report;
    }

    /// <summary>The agent's VMs as (id, state).</summary>
    public async Task<IReadOnlyList<(string Id, string State)>> ListAsync(AgentServer agent)
    {
        var vms = await Http.GetFromJsonAsync<JsonElement>(new Uri(agent.BaseAddress, "api/vms"));
        return [.. vms.EnumerateArray().Select(v => (v.GetProperty("id").GetString() ?? "", v.GetProperty("state").GetString() ?? ""))];
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }

        Directory.Dispose();
    }

    /// <summary>The image of another profile (<c>python</c>, <c>database</c>, <c>kernel-b</c>), from the cache after the first build.</summary>
    private static async Task<GuestImage> ProfileImageAsync(string profile) =>
        await new GuestImageBuilder(GuestImageBuilder.DefaultCacheRoot()).BuildAsync(profile, CancellationToken.None) switch
        {
            ImageBuildResult.Built built => built.Image,
            ImageBuildResult.Failed failed => throw new InvalidOperationException($"guest image {profile} build failed: {failed.Reason}"),
            _ => throw new InvalidOperationException("unreachable"),
        };

    private static async Task<(GuestImage, Accelerator)> ImageAsync()
    {
        await _imageGate.WaitAsync();
        try
        {
            if (_image is null)
            {
                // What killed test runs left (orphaned QEMUs, RAM files) goes first: it would load the machine.
                Roost.Hypervisor.Tests.StaleTestGuests.Sweep();
                var image = await new GuestImageBuilder(GuestImageBuilder.DefaultCacheRoot()).BuildAsync("minimal", CancellationToken.None) switch
                {
                    ImageBuildResult.Built built => built.Image,
                    ImageBuildResult.Failed failed => throw new InvalidOperationException($"guest image build failed: {failed.Reason}"),
                    _ => throw new InvalidOperationException("unreachable"),
                };
                var probe = System.IO.Directory.CreateTempSubdirectory("roost-probe-");
                try
                {
                    _image = (image, await AcceleratorProbe.DetectAsync(QemuEnvironment.Binary, image, probe.FullName, TimeProvider.System, CancellationToken.None));
                }
                finally
                {
                    probe.Delete(recursive: true);
                }
            }

            return _image.Value;
        }
        finally
        {
            _imageGate.Release();
        }
    }
}
