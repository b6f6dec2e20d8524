using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Roost.Hypervisor.Logging;
using Roost.Hypervisor.Tests.Lab;

namespace Roost.Hypervisor.Tests.Logging;

public sealed class OneLineConsoleFormatterTests
{
    private static readonly List<KeyValuePair<string, object?>> _fields =
    [
        new("Hosts", 3),
        new("Store", "sqlite:/tmp/x\n/roost.db"),
        new("{OriginalFormat}", "storing {Hosts} hosts in {Store}"),
    ];

    private static string Write(LogFormat format, string message, Exception? exception)
    {
        var time = new ManualTimeProvider();
        time.Advance(TimeSpan.FromMilliseconds(1234));
        var formatter = new OneLineConsoleFormatter(time, new Monitor(new OneLineConsoleFormatterOptions { Format = format }));
        using var output = new StringWriter();

        formatter.Write(new LogEntry<List<KeyValuePair<string, object?>>>(LogLevel.Warning, "Roost.Controller.Control.ControlLoop", default, _fields, exception, (_, _) => message), null, output);

        return output.ToString();
    }

    [Fact]
    public void Text_IsOneLineWithUtcTime_LevelCategoryAndTheCausesMessages()
    {
        var line = Write(LogFormat.Text, "step failed\nsee below", new IOException("disk gone", new InvalidOperationException("no space\nleft")));

        Assert.Equal("2026-01-01T00:00:01.234Z warn: Roost.Controller.Control.ControlLoop: step failed see below: disk gone: no space left\n", line);
    }

    [Fact]
    public void Json_IsOneObjectALine_WithTheNamedFieldsAndTheError()
    {
        var line = Write(LogFormat.Json, "storing 3 hosts", new IOException("disk gone"));

        Assert.Single(line.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        using var entry = JsonDocument.Parse(line);
        var root = entry.RootElement;
        Assert.Equal("2026-01-01T00:00:01.234Z", root.GetProperty("at").GetString());
        Assert.Equal("warn", root.GetProperty("level").GetString());
        Assert.Equal("Roost.Controller.Control.ControlLoop", root.GetProperty("category").GetString());
        Assert.Equal("storing 3 hosts", root.GetProperty("message").GetString());
        Assert.Equal(3, root.GetProperty("fields").GetProperty("Hosts").GetInt32());
        Assert.Equal("sqlite:/tmp/x /roost.db", root.GetProperty("fields").GetProperty("Store").GetString());
        Assert.False(root.GetProperty("fields").TryGetProperty("{OriginalFormat}", out _));
        Assert.Equal("disk gone", root.GetProperty("error").GetString());
    }

    [Fact]
    public void Json_WithoutFieldsOrError_HasNeither()
    {
        var line = OneLineConsoleFormatter.Line(LogFormat.Json, new DateTimeOffset(2026, 12, 7, 5, 0, 0, TimeSpan.FromHours(2)), LogLevel.Information, "roost serve", "dashboard http://127.0.0.1:7070/");

        Assert.Equal("""{"at":"2026-12-07T03:00:00.000Z","level":"info","category":"roost serve","message":"dashboard http://127.0.0.1:7070/"}""", line);
    }

    private sealed class Monitor(OneLineConsoleFormatterOptions value) : IOptionsMonitor<OneLineConsoleFormatterOptions>
    {
        public OneLineConsoleFormatterOptions CurrentValue => value;

        public OneLineConsoleFormatterOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<OneLineConsoleFormatterOptions, string?> listener) => null;
    }
}
