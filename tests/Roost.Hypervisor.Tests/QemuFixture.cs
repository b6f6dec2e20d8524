using System.Collections.Concurrent;
using Roost.Hypervisor.Agent;
using Roost.Hypervisor.Images;
using Roost.Hypervisor.Qemu;

namespace Roost.Hypervisor.Tests;

/// <summary>
/// Builds the guest image once (from the user's image cache, so only the first run downloads), decides KVM or TCG
/// once, and starts agents on 127.0.0.1 with a fresh port, run directory and name each. Does nothing without QEMU.
/// At start it sweeps away what killed test runs left (<see cref="StaleTestGuests"/>): their orphaned QEMUs would load
/// the machine, their RAM files fill /dev/shm. Each real-VM collection (<see cref="QemuTests"/> and the three beside it)
/// has its own fixture, so its own agents; the sweep, the image and the probe are done once per test process, and agent
/// names are unique across fixtures.
/// </summary>
public sealed class QemuFixture : IAsyncLifetime
{
    public const string Token = "test-token-0123456789";

    private readonly List<AgentServer> _servers = [];
    private readonly Lazy<Task<(AgentServer Agent, VmInfo Vm)>> _shared;
    private readonly ConcurrentDictionary<string, Lazy<Task<object>>> _once = new(StringComparer.Ordinal);
    private static readonly Lazy<Task<(GuestImage Image, Accelerator Accelerator)>> _setUp = new(SetUpAsync);
    private static int _agents;
    private GuestImage? _image;

    public QemuFixture()
    {
        _shared = new(BootSharedGuestAsync);
    }

    public GuestImage Image => _image ?? throw new InvalidOperationException(QemuEnvironment.SkipReason ?? "the image was not built");

    public Accelerator Accelerator { get; private set; } = Accelerator.Tcg;

    private static string ProbeDirectory => Path.Combine(Path.GetTempPath(), "roost-tests", $"probe-{Environment.ProcessId}");

    public async Task InitializeAsync()
    {
        if (QemuEnvironment.SkipReason is not null)
        {
            return;
        }

        (_image, Accelerator) = await _setUp.Value;
    }

    /// <summary>The image of <paramref name="profile"/>, from the user's image cache (built on first use).</summary>
    public static Task<GuestImage> ImageAsync(string profile) =>
        ImageAsync(GuestProfile.Find(profile) ?? throw new InvalidOperationException($"no image profile '{profile}'"));

    /// <summary>The image of <paramref name="profile"/> (a service image too), from the user's image cache (built on first use).</summary>
    public static async Task<GuestImage> ImageAsync(GuestProfile profile) =>
        await new GuestImageBuilder(GuestImageBuilder.DefaultCacheRoot()).BuildAsync(profile, CancellationToken.None) switch
        {
            ImageBuildResult.Built built => built.Image,
            ImageBuildResult.Failed failed => throw new InvalidOperationException($"guest image build failed: {failed.Reason}"),
            _ => throw new InvalidOperationException("unreachable"),
        };

    /// <summary>Starts an agent; it is stopped (and its VMs destroyed) when the fixture is disposed, if not before.</summary>
    /// <param name="role">Part of the agent's name.</param>
    /// <param name="capacity">What it may hand out (default 4 CPUs, 1 GiB).</param>
    /// <param name="image">The guest image (default: the fixture's).</param>
    /// <param name="bootTimeout">How long a guest may take to boot (default 30 s).</param>
    /// <param name="token">Its own bearer token (default <see cref="Token"/>, shared by every agent of the fixture).</param>
    /// <param name="configure">Changes to its options (timeouts of migrations, say).</param>
    public async Task<AgentServer> StartAgentAsync(
        string role, AgentCapacity? capacity = null, GuestImage? image = null, TimeSpan? bootTimeout = null, string token = Token, Func<AgentOptions, AgentOptions>? configure = null)
    {
        var name = $"t{Environment.ProcessId}-{Interlocked.Increment(ref _agents)}-{role}";
        var options = new AgentOptions(
            name,
            capacity ?? new AgentCapacity(4, 1024),
            token,
            image ?? Image,
            Accelerator,
            QemuEnvironment.Binary,
            Path.Combine(Path.GetTempPath(), "roost-tests", name))
        {
            BootTimeout = bootTimeout ?? TimeSpan.FromSeconds(30),
        };
        options = configure?.Invoke(options) ?? options;
        var server = await AgentServer.StartAsync(options, "127.0.0.1:0", TimeProvider.System, CancellationToken.None);
        lock (_servers)
        {
            _servers.Add(server);
        }

        return server;
    }

    /// <summary>
    /// One guest, <c>vm-1</c> of 128 MiB, booted on first use and shared by the tests that only look at a guest (read
    /// its RAM, files, fingerprint, refused requests): a boot is the dearest step of the suite. A test that changes the
    /// guest (load, memory verifier, pause, stop, migration) boots its own.
    /// </summary>
    public Task<(AgentServer Agent, VmInfo Vm)> SharedGuestAsync() => _shared.Value;

    /// <summary>
    /// What <paramref name="create"/> makes, made on the first call with <paramref name="key"/> and handed to every later
    /// call with it: a guest that tests hand on to each other, each checking its state before it relies on it.
    /// </summary>
    public async Task<T> OnceAsync<T>(string key, Func<Task<T>> create)
        where T : class =>
        (T)await _once.GetOrAdd(key, _ => new Lazy<Task<object>>(async () => await create())).Value;

    public async Task DisposeAsync()
    {
        List<AgentServer> servers;
        lock (_servers)
        {
            servers = [.. _servers];
            _servers.Clear();
        }

        foreach (var server in servers)
        {
            await server.DisposeAsync();
            DeleteDirectory(server.Agent.Options.EffectiveRunDirectory);
        }
    }

    private static async Task<(GuestImage Image, Accelerator Accelerator)> SetUpAsync()
    {
        StaleTestGuests.Sweep();
        var image = await ImageAsync("minimal");
        var accelerator = await AcceleratorProbe.DetectAsync(QemuEnvironment.Binary, image, ProbeDirectory, TimeProvider.System, CancellationToken.None);
        DeleteDirectory(ProbeDirectory);
        return (image, accelerator);
    }

    private async Task<(AgentServer Agent, VmInfo Vm)> BootSharedGuestAsync()
    {
        var agent = await StartAgentAsync("shared");
        using var client = new AgentClient(agent.BaseAddress);
        return (agent, await Agent.AgentTestSteps.BootAsync(client, "vm-1"));
    }

    private static void DeleteDirectory(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }
}
