using Roost.Controller.Control;
using Roost.Controller.Drivers;
using Roost.Hypervisor.Logging;

namespace Roost.Controller;

/// <summary>
/// How <c>roost serve</c> runs: the data directory (token, SQLite file), the store (<c>--db</c>, null: SQLite in the
/// data directory), the address to listen on (loopback by default; port 0 picks a free one), optional TLS, the simulated
/// fleet or the agents of real hosts, the control loop's timing and the cloud sites of disaster recovery it watches.
/// </summary>
public sealed record ControllerOptions(string DataDirectory)
{
    public const string DefaultListen = "127.0.0.1:7070";

    public string? Database { get; init; }

    public string Listen { get; init; } = DefaultListen;

    public SimulatedFleet Fleet { get; init; } = new();

    /// <summary>Real hosts to manage through their agents; null: the simulated <see cref="Fleet"/>.</summary>
    public AgentFleet? Agents { get; init; }

    /// <summary>Serve HTTPS with this PEM certificate and key instead of plain HTTP (both or neither).</summary>
    public string? TlsCertificateFile { get; init; }

    public string? TlsKeyFile { get; init; }

    public ControlLoopOptions Loop { get; init; } = ControlLoopOptions.Default;

    /// <summary>Larger request bodies get 413.</summary>
    public long MaxRequestBodyBytes { get; init; } = 64 * 1024;

    /// <summary>The console log: a line of text (default) or a JSON object per entry (<c>roost serve --log-format json</c>).</summary>
    public LogFormat LogFormat { get; init; } = LogFormat.Text;

    /// <summary>Framework log messages at or above this level are printed (the loop's events are Information).</summary>
    public Microsoft.Extensions.Logging.LogLevel FrameworkLogLevel { get; init; } = Microsoft.Extensions.Logging.LogLevel.Warning;

    /// <summary>The cloud sites (<c>roost dr serve --status-listen</c>) whose status the controller reads and whose VMs it fails over and back.</summary>
    public IReadOnlyList<Recovery.DrSiteEndpoint> DrSites { get; init; } = [];

    /// <summary>How often each DR site's status is read; null: never by itself (tests call <c>RunningController.Dr.PollAsync</c>).</summary>
    public TimeSpan? DrPollInterval { get; init; } = TimeSpan.FromSeconds(2);
}
