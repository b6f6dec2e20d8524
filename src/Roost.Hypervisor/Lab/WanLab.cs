using System.Diagnostics;
using System.Text;
using Roost.Hypervisor.Images;

namespace Roost.Hypervisor.Lab;

/// <summary>
/// A multi-site network lab on this machine: sites as network namespaces, each a router with a bridge for its
/// agents and guests, joined by a WAN of set bandwidth (tc tbf on both ends of each access link) and round-trip
/// time (Roost's delaying relay, a child process in the lab's wan namespace). See <see cref="WanLabLayout"/> for
/// the topology and addresses.
/// </summary>
/// <remarks>
/// Every change to any lab takes the store's lock. <c>up</c> records the lab before creating anything, so
/// <c>down</c> removes exactly what exists of it after a crash or a partial <c>up</c>; both are idempotent. A lab
/// with an owner (a test run) is stale once the owner dies: its relay stops by itself and
/// <see cref="SweepStaleAsync"/> removes the rest.
/// </remarks>
public sealed partial class WanLab : IAsyncDisposable
{
    private static readonly TimeSpan _lockTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan _relayStartTimeout = TimeSpan.FromSeconds(30);
    private static readonly string[] _tools = ["ip", "tc"];

    private readonly TimeProvider _time;
    private int _disposed;

    private WanLab(WanLabLayout layout, LabStateStore store, TimeProvider time)
    {
        Layout = layout;
        Store = store;
        _time = time;
    }

    public LabName Name => Layout.Name;

    public WanLabLayout Layout { get; }

    public LabStateStore Store { get; }

    /// <summary>
    /// Brings lab <paramref name="name"/> up, or finds it up with the same options. A half-built or broken lab of
    /// that name whose owner is gone is removed and rebuilt. On any failure nothing of the lab remains and the result
    /// says why in one line.
    /// </summary>
    public static async Task<LabUpResult> UpAsync(
        LabName name,
        WanLabOptions options,
        RelayLauncher relay,
        LabStateStore store,
        ProcessIdentity? owner,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(relay);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(time);
        if (options.Validate() is { } invalid)
        {
            return new LabUpResult.Refused(invalid);
        }

        if (!Environment.IsPrivilegedProcess)
        {
            return new LabUpResult.Refused("needs root: network namespaces, veth pairs and tc need CAP_NET_ADMIN");
        }

        if (_tools.FirstOrDefault(tool => ExternalCommand.FindOnPath(tool) is null) is { } missing)
        {
            return new LabUpResult.Refused($"'{missing}' is not on PATH (Debian: apt-get install iproute2)");
        }

        var layout = new WanLabLayout(name, options);
        using var held = await store.LockAsync(_lockTimeout, time, cancellationToken).ConfigureAwait(false);
        if (store.TryRead(name) is { } existing)
        {
            var status = StatusOf(existing, store);
            if (existing.Owner is { IsAlive: true } other && other != owner)
            {
                return new LabUpResult.Refused($"lab '{name}' belongs to running process {other.Pid}");
            }

            if (status.Healthy && existing.Options == options)
            {
                return new LabUpResult.Up(new WanLab(layout, store, time), AlreadyUp: true);
            }

            if (status.Healthy)
            {
                return new LabUpResult.Refused($"lab '{name}' is up with {existing.Options}; run 'roost lab wan down --name {name}' first");
            }

            if (await RemoveAsync(existing, store, time, cancellationToken).ConfigureAwait(false) is LabDownResult.Incomplete incomplete)
            {
                return new LabUpResult.Refused($"lab '{name}' was left broken and could not be removed: {incomplete.Reason}");
            }
        }

        if (layout.Namespaces.FirstOrDefault(NetworkNamespace.Exists) is { } taken)
        {
            return new LabUpResult.Refused($"network namespace {taken} exists and is no Roost lab's; choose another --name");
        }

        var state = WanLabState.Planned(layout, owner, time.GetUtcNow());
        store.Write(state);
        try
        {
            foreach (var step in layout.UpSteps())
            {
                if (await RunAsync(step, cancellationToken).ConfigureAwait(false) is { } failure)
                {
                    await RemoveAsync(state, store, time, CancellationToken.None).ConfigureAwait(false);
                    return new LabUpResult.Refused(failure);
                }
            }

            var started = await StartRelayAsync(layout, relay, store, time, cancellationToken).ConfigureAwait(false);
            if (started.Identity is not { } relayIdentity)
            {
                await RemoveAsync(state, store, time, CancellationToken.None).ConfigureAwait(false);
                return new LabUpResult.Refused($"relay: {started.Error}");
            }

            store.Write(state with { Relay = relayIdentity, Complete = true });
            return new LabUpResult.Up(new WanLab(layout, store, time), AlreadyUp: false);
        }
        catch (OperationCanceledException)
        {
            await RemoveAsync(state, store, time, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The recorded lab <paramref name="name"/> if it is up (built completely, relay running), else null.</summary>
    public static WanLab? FindUp(LabName name, LabStateStore store, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(time);
        return store.TryRead(name) is { } state && StatusOf(state, store).Healthy
            ? new WanLab(new WanLabLayout(name, state.Options), store, time)
            : null;
    }

    /// <summary>Every recorded lab as it is now.</summary>
    public static IReadOnlyList<LabStatus> Status(LabStateStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        return [.. store.List().Select(state => StatusOf(state, store))];
    }

    /// <summary>
    /// Starts <paramref name="file"/> inside site <paramref name="site"/> (through <c>ip netns exec</c>) with its
    /// output redirected to the returned process. The lab's <c>down</c> stops it if it still runs.
    /// </summary>
    public Process StartInSite(int site, string file, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo("ip")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in Layout.InSite(site, file, arguments))
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start) ?? throw new IOException($"cannot start {file} in {Layout.SiteNamespace(site)}");
    }

    /// <summary>Runs <paramref name="action"/> inside site <paramref name="site"/>'s network namespace (see <see cref="NetworkNamespace.Run"/>).</summary>
    public T InSite<T>(int site, Func<T> action) => NetworkNamespace.Run(Layout.SiteNamespace(site), action);

    /// <summary>This lab's status now.</summary>
    public LabStatus Status() =>
        StatusOf(Store.TryRead(Name) ?? throw new InvalidOperationException($"lab '{Name}' is no longer recorded"), Store);

    /// <summary>Tears the lab down (once; later calls do nothing).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await DownAsync(Name, Store, _time, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static LabStatus StatusOf(WanLabState state, LabStateStore store) =>
        new(
            state,
            state.Relay is { IsAlive: true },
            [.. state.Namespaces.Where(ns => !NetworkNamespace.Exists(ns))],
            store.TryReadStats(LabName.Parse(state.Name)));

    /// <summary>Runs one step; null on success, else one line naming the step and the complaint.</summary>
    private static async Task<string?> RunAsync(LabStep step, CancellationToken cancellationToken)
    {
        switch (step)
        {
            case LabStep.Command command:
                return await RunAsync(command.Run, cancellationToken).ConfigureAwait(false);
            case LabStep.Tune tune:
                try
                {
                    NamespaceTuning.Apply(tune);
                    return null;
                }
                catch (IOException e)
                {
                    return e.Message;
                }

            default:
                throw new InvalidOperationException($"unknown step {step}");
        }
    }

    internal static async Task<string?> RunAsync(HostCommand command, CancellationToken cancellationToken)
    {
        var stdin = command.Batch is null ? ReadOnlyMemory<byte>.Empty : Encoding.UTF8.GetBytes(string.Join('\n', command.Batch) + "\n");
        var result = await ExternalCommand.RunAsync(command.File, command.Arguments, "/", stdin, null, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode == 0)
        {
            return null;
        }

        var complaint = string.Join("; ", result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Take(3));
        return $"{command}: {(complaint.Length > 0 ? complaint : $"exit code {result.ExitCode}")}";
    }

    /// <summary>Runs a host tool and returns its outcome and its standard output.</summary>
    internal static async Task<(ExternalCommand.Result Result, string Output)> RunCapturingAsync(
        string file,
        IReadOnlyList<string> arguments,
        CancellationToken cancellationToken)
    {
        var output = "";
        var result = await ExternalCommand.RunAsync(
            file,
            arguments,
            "/",
            ReadOnlyMemory<byte>.Empty,
            async (stdout, ct) =>
            {
                using var reader = new StreamReader(stdout, leaveOpen: true);
                output = await reader.ReadToEndAsync(ct).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);
        return (result, output);
    }
}
