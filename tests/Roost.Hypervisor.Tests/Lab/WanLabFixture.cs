using Roost.Hypervisor.Lab;

namespace Roost.Hypervisor.Tests.Lab;

/// <summary>
/// Brings labs up for tests under names no other test run can use at the same time (<c>t</c>, this process's id
/// and a counter, in base 36), with this process as their owner, and tears them all down on dispose. Before the
/// first lab it sweeps the labs of test runs that died (their relays have already stopped by themselves). The relay
/// is the real <c>roost lab relay</c> from the CLI built beside the tests.
/// </summary>
public sealed class WanLabFixture : IAsyncLifetime
{
    private readonly List<WanLab> _labs = [];
    private static int _counter; // per process, not per fixture: several fixtures (collections) bring labs up at once

    public LabStateStore Store { get; } = new(LabStateStore.DefaultDirectory);

    public RelayLauncher Relay { get; } = new("dotnet", [FindCli()]);

    /// <summary>A unique lab name for this process (at most <see cref="LabName.MaxLength"/> characters).</summary>
    public static LabName NewName() =>
        LabName.Parse($"t{Base36(Environment.ProcessId)}{Base36(Interlocked.Increment(ref _counter))}");

    public async Task InitializeAsync()
    {
        if (LabEnvironment.SkipReason is null)
        {
            await WanLab.SweepStaleAsync(Store, TimeProvider.System, CancellationToken.None);
        }
    }

    /// <summary>Brings a lab up (torn down with the fixture, if the test does not first). Fails the test with the reason when refused.</summary>
    public async Task<WanLab> UpAsync(WanLabOptions options)
    {
        var result = await WanLab.UpAsync(NewName(), options, Relay, Store, ProcessIdentity.Current, TimeProvider.System, CancellationToken.None);
        var lab = result switch
        {
            LabUpResult.Up up => up.Lab,
            LabUpResult.Refused refused => throw new InvalidOperationException($"lab up refused: {refused.Reason}"),
            _ => throw new InvalidOperationException("unreachable"),
        };
        lock (_labs)
        {
            _labs.Add(lab);
        }

        return lab;
    }

    public async Task DisposeAsync()
    {
        List<WanLab> labs;
        lock (_labs)
        {
            labs = [.. _labs];
            _labs.Clear();
        }

        foreach (var lab in labs)
        {
            await lab.DisposeAsync();
        }
    }

    private static string Base36(int value)
    {
        const string Digits = "0123456789abcdefghijklmnopqrstuvwxyz";
        var text = "";
        do
        {
            text = Digits[value % 36] + text;
            value /= 36;
        }
        while (value > 0);
        return text;
    }

    /// <summary>The CLI built beside this test project (same configuration); the relay runs as its own process.</summary>
    internal static string FindCli()
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory);
        var configuration = here.Name;
        var root = here;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Roost.slnx")))
        {
            root = root.Parent;
        }

        return root is null ? "roost.dll" : Path.Combine(root.FullName, "artifacts", "bin", "Roost.Cli", configuration, "roost.dll");
    }
}
