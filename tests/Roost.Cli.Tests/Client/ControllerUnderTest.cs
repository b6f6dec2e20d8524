using Roost.Controller;
using Roost.Controller.Tests;
using Roost.Controller.Tests.Api;

namespace Roost.Cli.Tests.Client;

/// <summary>
/// The controller tests' <see cref="ControllerFixture"/> (Kestrel on 127.0.0.1, SQLite, 6 simulated hosts
/// sim-00..sim-05, a manual clock; the loop steps only when a test says so), stepped once, with the CLI run in process
/// through <see cref="Program.RunAsync"/>, or through <see cref="RoostCommandLine"/> with an environment of the test's choosing.
/// </summary>
internal sealed class ControllerUnderTest : IAsyncDisposable
{
    private readonly ControllerFixture _fixture;

    private ControllerUnderTest(ControllerFixture fixture)
    {
        _fixture = fixture;
    }

    public TempDirectory Directory => _fixture.Directory;

    public ManualTimeProvider Time => _fixture.Time;

    public RunningController Controller => _fixture.Controller;

    public string Url => Controller.Address.ToString();

    public string TokenFile => Path.Combine(Directory.Path, "token");

    public sealed record Outcome(int ExitCode, string Stdout, string Stderr);

    public static async Task<ControllerUnderTest> StartAsync()
    {
        var fixture = await ControllerFixture.StartAsync();
        await fixture.StepAsync();
        return new ControllerUnderTest(fixture);
    }

    public Task StepAsync(TimeSpan? wall = null) => _fixture.StepAsync(wall);

    /// <summary><c>roost ARGS --controller URL --token-file TOKEN</c>, in process.</summary>
    public Task<Outcome> RoostAsync(params string[] args) => RunAsync([.. args, "--controller", Url, "--token-file", TokenFile], default);

    public static async Task<Outcome> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await Program.RunAsync(args, stdout, stderr, cancellationToken);
        return new Outcome(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>The client verbs with exactly the environment given (none of the test process's own).</summary>
    public static async Task<Outcome> RunWithEnvironmentAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var cli = new RoostCommandLine(stdout, stderr, name => environment.GetValueOrDefault(name), []);
        int code;
        try
        {
            code = await cli.RunAsync(args, default);
        }
        catch (UsageException e)
        {
            await stderr.WriteLineAsync(e.Message);
            code = e.ExitCode;
        }

        return new Outcome(code, stdout.ToString(), stderr.ToString());
    }

    public ValueTask DisposeAsync() => _fixture.DisposeAsync();
}
