using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Roost.Controller.Tests.Api;

namespace Roost.Controller.Tests.Security;

public sealed class TokenRotationTests
{
    /// <summary>
    /// Many rotations at once, while a watcher keeps reading the token file: every answer is 200 (with a new token),
    /// 409 (another rotation held the writer too long) or 401 (the request carried a token a finished rotation had
    /// already replaced); never 5xx. The file always holds a token the server accepts, and at the end the one in force.
    /// </summary>
    [Fact]
    public async Task ConcurrentRotations_AreAnsweredCleanly_AndTheFileAlwaysHoldsAnAcceptedToken()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        var tokens = fixture.Controller.Tokens;
        var path = tokens.Path;
        var token = tokens.Current;
        using var done = new CancellationTokenSource();
        var rejected = new List<string>();
        var watcher = Task.Run(async () =>
        {
            var reads = 0;
            while (!done.IsCancellationRequested)
            {
                var before = (await File.ReadAllTextAsync(path)).Trim();
                var accepted = tokens.Matches(before);
                var after = (await File.ReadAllTextAsync(path)).Trim();
                if (!accepted && before == after)
                {
                    lock (rejected)
                    {
                        rejected.Add(before);
                    }
                }

                reads++;
            }

            return reads;
        });

        var responses = await Task.WhenAll(Enumerable.Range(0, 24).Select(async _ =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/token/rotate") { Headers = { Authorization = new("Bearer", token) } };
            using var response = await fixture.Client.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            return (response.StatusCode, Token: response.StatusCode == HttpStatusCode.OK ? JsonDocument.Parse(body).RootElement.GetProperty("token").GetString() : null, body);
        }));
        await done.CancelAsync();
        var reads = await watcher;

        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict or HttpStatusCode.Unauthorized, $"{(int)r.StatusCode} {r.body}"));
        var issued = responses.Where(r => r.Token is not null).Select(r => r.Token).ToList();
        Assert.NotEmpty(issued);
        Assert.Equal(issued.Count, issued.Distinct().Count());
        Assert.True(rejected.Count == 0, $"{rejected.Count} of {reads} reads of the token file found a token the server refused");
        Assert.Equal(tokens.Current, (await File.ReadAllTextAsync(path)).Trim());
        Assert.Contains(tokens.Current, issued);
        Assert.Empty(Directory.GetFiles(fixture.Directory.Path, "token.*.tmp"));
        using var check = new HttpRequestMessage(HttpMethod.Put, "/api/settings")
        {
            Headers = { Authorization = new("Bearer", (await File.ReadAllTextAsync(path)).Trim()) },
            Content = JsonContent.Create(new { mode = "automatic", threshold = 0.75, maxConcurrentMigrations = 4 }),
        };
        using var accepted = await fixture.Client.SendAsync(check);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }
}
