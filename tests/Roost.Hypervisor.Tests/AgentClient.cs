using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Roost.Hypervisor.Tests;

/// <summary>A thin HTTP client for an agent in tests: sends JSON with the bearer token, reads JSON and problems.</summary>
internal sealed class AgentClient : IDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    private readonly HttpClient _http;

    public AgentClient(Uri baseAddress, string? token = QemuFixture.Token)
        : this(baseAddress, new SocketsHttpHandler(), token)
    {
    }

    /// <summary>A client whose connections <paramref name="handler"/> makes (e.g. from inside a lab site's network namespace).</summary>
    public AgentClient(Uri baseAddress, HttpMessageHandler handler, string? token = QemuFixture.Token)
    {
        _http = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(2) };
        if (token is not null)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    public Task<HttpResponseMessage> GetAsync(string path) => _http.GetAsync(path);

    public Task<HttpResponseMessage> DeleteAsync(string path) => _http.DeleteAsync(path);

    public Task<HttpResponseMessage> PostAsync(string path, object? body) =>
        _http.PostAsync(path, body is null ? new StringContent("{}", Encoding.UTF8, "application/json") : JsonContent.Create(body, options: Json));

    public Task<HttpResponseMessage> PostRawAsync(string path, string body) =>
        _http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));

    public async Task<T> GetJsonAsync<T>(string path)
    {
        using var response = await _http.GetAsync(path);
        return await ReadAsync<T>(response);
    }

    public static async Task<T> ReadAsync<T>(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {text}");
        return JsonSerializer.Deserialize<T>(text, Json) ?? throw new InvalidOperationException($"null body from {response.RequestMessage?.RequestUri}");
    }

    /// <summary>Asserts an RFC 7807 response with <paramref name="status"/> and returns its type and detail.</summary>
    public static async Task<(string Type, string Detail)> ProblemAsync(HttpResponseMessage response, int status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(text);
        Assert.Equal(status, problem.RootElement.GetProperty("status").GetInt32());
        var detail = problem.RootElement.GetProperty("detail").GetString() ?? "";
        Assert.DoesNotContain('\n', detail);
        return (problem.RootElement.GetProperty("type").GetString() ?? "", detail);
    }

    public void Dispose() => _http.Dispose();
}
