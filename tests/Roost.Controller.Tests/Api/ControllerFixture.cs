using System.Net.Http.Headers;
using Roost.Controller.Drivers;

namespace Roost.Controller.Tests.Api;

/// <summary>
/// A real controller on Kestrel, 127.0.0.1 port 0, over a small simulated fleet, with a manual clock and the
/// automatic loop and DR site polling off: a test steps the loop (and polls DR sites) itself, so nothing depends on timing.
/// </summary>
internal sealed class ControllerFixture : IAsyncDisposable
{
    private ControllerFixture(TempDirectory directory, ManualTimeProvider time, RunningController controller)
    {
        Directory = directory;
        Time = time;
        Controller = controller;
        Client = new HttpClient { BaseAddress = controller.Address };
    }

    public TempDirectory Directory { get; }

    public ManualTimeProvider Time { get; }

    public RunningController Controller { get; private set; }

    public HttpClient Client { get; private set; }

    public static async Task<ControllerFixture> StartAsync(TempDirectory? directory = null)
    {
        var dir = directory ?? new TempDirectory();
        var time = new ManualTimeProvider();
        var controller = await ControllerApp.StartAsync(Options(dir), default, time);
        return new ControllerFixture(dir, time, controller);
    }

    public static ControllerOptions Options(TempDirectory directory) =>
        new(directory.Path)
        {
            Listen = "127.0.0.1:0",
            Fleet = new SimulatedFleet(Hosts: 6, Vms: 12, Speed: 60),
            Loop = new Roost.Controller.Control.ControlLoopOptions(null, TimeSpan.FromSeconds(10), TimeSpan.FromDays(1)),
            DrPollInterval = null,
        };

    public HttpRequestMessage Authorized(HttpMethod method, string path, HttpContent? content = null) =>
        new(method, path)
        {
            Content = content,
            Headers = { Authorization = new AuthenticationHeaderValue("Bearer", Controller.Tokens.Current) },
        };

    /// <summary>Moves the clock by <paramref name="wall"/> and runs one control step.</summary>
    public async Task StepAsync(TimeSpan? wall = null)
    {
        Time.Advance(wall ?? TimeSpan.FromSeconds(1));
        await Controller.Loop.StepAsync(default);
    }

    /// <summary>Stops the controller and starts a new one on the same data directory.</summary>
    public async Task RestartAsync()
    {
        Client.Dispose();
        await Controller.DisposeAsync();
        Controller = await ControllerApp.StartAsync(Options(Directory), default, Time);
        Client = new HttpClient { BaseAddress = Controller.Address };
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Controller.DisposeAsync();
        Directory.Dispose();
    }
}
