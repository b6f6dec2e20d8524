using System.Text.Json;

namespace Roost.Controller.Tests.Startup;

/// <summary><c>roost serve --log-format json</c>: every line it prints is one JSON log entry, its own status line included.</summary>
public sealed class LogFormatTests
{
    [Fact]
    public async Task Serve_JsonLogFormat_PrintsOnlyJsonEntries_WithTimeLevelCategoryAndFields()
    {
        using var data = new TempDirectory();
        using var serve = await ServeProcess.StartAsync(Path.Combine(data.Path, "d"), "--log-format", "json", "--hosts", "3", "--vms", "3", "--interval", "3600");

        var log = await Poll.UntilAsync(
            () => Task.FromResult(serve.Log.Contains("\"category\":\"roost serve\"", StringComparison.Ordinal) ? serve.Log : null),
            TimeSpan.FromSeconds(30),
            () => Task.FromResult(serve.Log));

        var entries = log.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.All(entries, e =>
        {
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", e.GetProperty("at").GetString());
            Assert.Contains(e.GetProperty("level").GetString(), new[] { "info", "warn", "fail", "crit" });
            Assert.False(string.IsNullOrEmpty(e.GetProperty("category").GetString()));
        });
        Assert.Contains(entries, e => e.GetProperty("category").GetString() == "roost serve" && e.GetProperty("message").GetString()!.StartsWith("dashboard http://127.0.0.1:", StringComparison.Ordinal));
        Assert.Contains(entries, e => e.TryGetProperty("fields", out var fields) && fields.TryGetProperty("Hosts", out var hosts) && hosts.GetInt32() == 3);
    }
}
