using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Roost.Controller.Drivers;
using Xunit.Abstractions;

namespace Roost.Controller.Tests.Control;

public sealed class HealthTests(ITestOutputHelper output)
{
    /// <summary>
    /// The store on a real file system that fills up (a 4 MiB tmpfs): control steps fail, <c>/healthz</c> says 503
    /// degraded with the reason, a mutation gets a 503 problem (not a 500); once space is freed the next step succeeds
    /// and <c>/healthz</c> says ok again.
    /// </summary>
    [TmpfsFact]
    public async Task AFullDisk_MakesHealthDegraded_WithTheReason_AndItRecovers()
    {
        using var disk = TmpfsMount.Create(sizeKiB: 4096);
        var time = new ManualTimeProvider();
        var options = new ControllerOptions(Path.Combine(disk.Path, "data"))
        {
            Listen = "127.0.0.1:0",
            Fleet = new SimulatedFleet(Hosts: 6, Vms: 12, Speed: 60),
            Loop = new Roost.Controller.Control.ControlLoopOptions(null, TimeSpan.FromSeconds(10), TimeSpan.FromDays(1)),
        };
        await using var controller = await ControllerApp.StartAsync(options, default, time);
        using var http = new HttpClient { BaseAddress = controller.Address };
        await controller.Loop.StepAsync(default);
        using (var healthy = await http.GetAsync("/healthz"))
        {
            Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
        }

        var filler = Path.Combine(disk.Path, "filler");
        var filled = TmpfsMount.Fill(filler);
        Exception? failure = null;
        for (var step = 0; step < 200 && failure is null; step++)
        {
            time.Advance(TimeSpan.FromSeconds(10));
            try
            {
                await controller.Loop.StepAsync(default);
            }
            catch (Exception e)
            {
                failure = e;
            }
        }

        output.WriteLine($"filled {filled} bytes; step failed with {failure?.GetType().Name}: {failure?.Message}");
        Assert.NotNull(failure);
        using var degraded = await http.GetAsync("/healthz");
        var health = await degraded.Content.ReadFromJsonAsync<JsonElement>();
        output.WriteLine(health.GetRawText());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, degraded.StatusCode);
        Assert.Equal("degraded", health.GetProperty("status").GetString());
        Assert.Contains("full", health.GetProperty("reason").GetString(), StringComparison.OrdinalIgnoreCase);
        using var create = new HttpRequestMessage(HttpMethod.Post, "/api/vms")
        {
            Headers = { Authorization = new("Bearer", controller.Tokens.Current) },
            Content = JsonContent.Create(new { cpuCores = 1, memoryMiB = 512, networkMbps = 10 }),
        };
        using var refused = await http.SendAsync(create);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);

        File.Delete(filler);
        time.Advance(TimeSpan.FromSeconds(10));
        await controller.Loop.StepAsync(default);

        using var recovered = await http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, recovered.StatusCode);
        Assert.Equal("ok", (await recovered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
    }
}
