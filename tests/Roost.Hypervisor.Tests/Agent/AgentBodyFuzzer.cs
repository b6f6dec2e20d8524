using System.Globalization;
using System.Text;

namespace Roost.Hypervisor.Tests.Agent;

/// <summary>
/// Seeded malformed requests to the agent's API: a valid body of each endpoint with one field's value replaced by
/// something hostile (NaN in every spelling, overflowing and negative numbers, strings for numbers, control
/// characters, deep nesting, huge strings), a field dropped or an unknown one added, truncated or random bytes, the
/// wrong root, odd content types, bodies over the 64 KiB limit. Equal seeds give equal cases.
/// </summary>
internal sealed class AgentBodyFuzzer(Random random)
{
    private static readonly (string Method, string Path, string Body)[] _endpoints =
    [
        ("POST", "api/vms", """{"id":"vm-f","cpus":1,"memoryMiB":128}"""),
        ("POST", "api/incoming/tickets", """{"id":"vm-f","cpus":1,"memoryMiB":128}"""),
        ("POST", "api/incoming", """{"id":"vm-f","cpus":1,"memoryMiB":128,"relaySecret":"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"}"""),
        ("POST", "api/vms/vm-f/load", """{"busyCpus":1,"holdMiB":8}"""),
        ("POST", "api/vms/vm-f/marker", """{"text":"abc-1"}"""),
        ("POST", "api/vms/vm-f/migrate", """{"destination":"http://127.0.0.1:9/","ticket":"v1.some-ticket","maxBandwidthMiBps":4}"""),
        ("POST", "api/vms/vm-f/memtest", """{"mib":8,"pagesPerSecond":100}"""),
        ("POST", "api/incoming/vm-f/complete", ""),
        ("DELETE", "api/incoming/vm-f", ""),
        ("GET", "api/vms/vm-f/memory", ""),
    ];

    /// <summary>The endpoint groups, one per endpoint that takes a body or a query: "METHOD /path".</summary>
    public static IReadOnlyList<string> Groups { get; } = [.. _endpoints.Select(e => $"{e.Method} /{e.Path}")];

    private static readonly string[] _hostileValues =
    [
        "NaN", "\"NaN\"", "Infinity", "\"Infinity\"", "-Infinity", "\"-Infinity\"", "1e400", "-1e400", "-1", "0", "-0",
        "2147483648", "-2147483649", "9223372036854775808", "1.5", "1e3", "\"12\"", "\"0x10\"", "true", "null", "[]", "{}", "\"\"",
        "\"exec:touch /tmp/roost-fuzz\"", "\"unix:/tmp/x\"", "\"file:///etc/passwd\"", "\"http://user:pw@127.0.0.1:9/\"",
        "\"http://127.0.0.1:9/?q=1#f\"", "\"\\u0000\\u001b[31mred\\r\\nsecond line\"", "\"\\ud800\"", "\"vm-\\u00e9\"",
        "\"" + new string('a', 300) + "\"", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
    ];

    private static readonly string?[] _contentTypes =
        ["application/json", "application/json", "application/json", "application/json; charset=utf-8", "text/plain", null, "application/jsonx", "multipart/form-data"];

    /// <summary>The next case of endpoint group <paramref name="group"/>: method, path (with query), content type (null: none) and body bytes.</summary>
    public (string Method, string Path, string? ContentType, byte[] Body) Next(int group)
    {
        var (method, path, body) = _endpoints[group];
        if (path.EndsWith("/memory", StringComparison.Ordinal))
        {
            return (method, $"{path}?offset={Pick(["0", "-1", "x", "99999999999999999999", "4096"])}&length={Pick(["1", "0", "5000000", "NaN", "4096"])}", null, []);
        }

        if (random.Next(20) == 0)
        {
            path = path.Replace("vm-f", Pick(["%00", "..%2f..%2fetc", new string('v', 300), "VM-F", "vm%20f"]), StringComparison.Ordinal);
        }

        var text = body.Length == 0 && random.Next(2) == 0 ? "" : Mutate(body.Length == 0 ? """{"x":1}""" : body);
        var bytes = random.Next(25) == 0 ? RandomBytes() : Encoding.UTF8.GetBytes(text);
        if (random.Next(30) == 0)
        {
            bytes = [0xEF, 0xBB, 0xBF, .. bytes];
        }

        return (method, path, PickOrNull(_contentTypes), bytes);
    }

    private string Mutate(string body)
    {
        switch (random.Next(10))
        {
            case 0 or 1 or 2 or 3:
                return ReplaceValue(body, Pick(_hostileValues));
            case 4:
                return DropField(body);
            case 5:
                return body.Insert(body.Length - 1, $",\"{Pick(["disk", "migrationUri", "CPUS", "id", "__proto__", "host"])}\":{Pick(_hostileValues)}");
            case 6:
                return body[..random.Next(body.Length)];
            case 7:
                var depth = random.Next(10, 5000);
                return new string('[', depth) + new string(']', depth);
            case 8:
                return Pick(["[]", "1", "\"x\"", "null", "true", "{}", " ", "{\"a\":", "}{", "{}{}"]);
            default:
                return random.Next(3) == 0
                    ? ReplaceValue(body, "\"" + new string('x', 70 * 1024) + "\"")
                    : ReplaceValue(body, "\"" + new string('x', random.Next(1, 2000)) + "\"");
        }
    }

    /// <summary>The body with one field's value replaced by <paramref name="value"/>.</summary>
    private string ReplaceValue(string body, string value)
    {
        var fields = body.Trim('{', '}').Split(',');
        var i = random.Next(fields.Length);
        fields[i] = fields[i].Split(':', 2)[0] + ":" + value;
        return "{" + string.Join(',', fields) + "}";
    }

    private string DropField(string body)
    {
        var fields = body.Trim('{', '}').Split(',').ToList();
        fields.RemoveAt(random.Next(fields.Count));
        return "{" + string.Join(',', fields) + "}";
    }

    private byte[] RandomBytes()
    {
        var bytes = new byte[random.Next(0, 600)];
        random.NextBytes(bytes);
        return bytes;
    }

    private string Pick(string[] values) => values[random.Next(values.Length)];

    private string? PickOrNull(string?[] values) => values[random.Next(values.Length)];

    public static string Describe(string method, string path, string? contentType, byte[] body) =>
        string.Create(CultureInfo.InvariantCulture, $"{method} /{path} ({contentType ?? "no content type"}, {body.Length} bytes: {Encoding.UTF8.GetString(body[..Math.Min(body.Length, 120)])})");
}
