using System.Globalization;
using System.Net.Http.Headers;
using System.Text;

namespace Roost.Controller.Tests.Api;

/// <summary>
/// A seeded generator of hostile requests for the controller's API: for each endpoint with a body or a query, cases
/// that are malformed JSON, the wrong type, NaN and infinities (as strings, as out-of-range literals, bare), numbers
/// too large for their type, strings up to past the body limit, control characters and lone surrogates, deep
/// nesting, unknown, repeated and missing fields, other roots than an object, other content types; now and then a
/// valid request. Also route segments and bodies sent where none is read. Equal seeds give equal cases.
/// </summary>
internal static class ApiFuzzer
{
    public enum Kind
    {
        Number,
        Fraction,
        Integer,
        Flag,
        Text,
        Mode,
    }

    public sealed record Field(string Name, Kind Kind);

    /// <summary>An endpoint to fuzz: body fields (null: a query endpoint with these parameters instead).</summary>
    public sealed record Endpoint(string Name, string Method, Func<Random, string> Path, Field[]? Body, Field[]? Query);

    public sealed record Case(string Method, string Path, byte[]? Body, string? ContentType, bool Authorized)
    {
        public string Describe() =>
            $"{Method} {(Path.Length > 200 ? Path[..200] + "…" : Path)} {(ContentType ?? "-")} body[{Body?.Length ?? 0}]: "
            + (Body is null ? "" : Encoding.UTF8.GetString(Body, 0, Math.Min(Body.Length, 200)).ReplaceLineEndings(" "));

        public HttpRequestMessage ToRequest(string token)
        {
            var request = new HttpRequestMessage(new HttpMethod(Method), Path);
            if (Body is not null)
            {
                var content = new ByteArrayContent(Body);
                if (ContentType is not null)
                {
                    content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
                }

                request.Content = content;
            }

            if (Authorized)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            return request;
        }
    }

    public static IReadOnlyList<Endpoint> Endpoints { get; } =
    [
        new("create VM", "POST", _ => "/api/vms", [new("name", Kind.Text), new("cpuCores", Kind.Number), new("memoryMiB", Kind.Number), new("networkMbps", Kind.Number), new("host", Kind.Integer)], null),
        new("migrate VM", "POST", r => $"/api/vms/{r.Next(-2, 15)}/migrate", [new("host", Kind.Integer)], null),
        new("maintenance", "POST", r => $"/api/hosts/{r.Next(-2, 8)}/maintenance", [new("enabled", Kind.Flag)], null),
        new("settings", "PUT", _ => "/api/settings", [new("mode", Kind.Mode), new("threshold", Kind.Fraction), new("maxConcurrentMigrations", Kind.Integer)], null),
        new("events", "GET", _ => "/api/events", null, [new("after", Kind.Integer), new("limit", Kind.Integer)]),
        new("plans", "GET", _ => "/api/plans", null, [new("status", Kind.Mode), new("limit", Kind.Integer)]),
        new("migrations", "GET", _ => "/api/migrations", null, [new("limit", Kind.Integer)]),
        new("routes", "GET", RouteFuzz, null, null),
        new("bodies where none is read", "POST", r => r.Next(3) switch { 0 => $"/api/plans/{r.Next(-1, 30)}/approve", 1 => $"/api/plans/{r.Next(-1, 30)}/reject", _ => $"/api/vms/{r.Next(-1, 40)}/stop" }, [], null),
    ];

    public static Case Generate(Endpoint endpoint, Random random)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(random);
        var authorized = random.Next(20) != 0;
        var path = endpoint.Path(random);
        if (endpoint.Query is { } parameters)
        {
            return new Case(endpoint.Method, path + Query(parameters, random), null, null, authorized);
        }

        if (endpoint.Body is not { } fields)
        {
            return new Case(endpoint.Method, path, null, null, authorized);
        }

        var (body, contentType) = Body(fields, random);
        return new Case(endpoint.Method, path, body, contentType, authorized);
    }

    private static string RouteFuzz(Random random)
    {
        var prefix = random.Next(4) switch { 0 => "/api/vms/", 1 => "/api/hosts/", 2 => "/api/plans/", _ => "/api/vms/0/" };
        var segment = random.Next(8) switch
        {
            0 => random.NextInt64(long.MinValue, long.MaxValue).ToString(CultureInfo.InvariantCulture),
            1 => "99999999999999999999999",
            2 => "%00",
            3 => Uri.EscapeDataString(Junk(random, random.Next(1, 40))),
            4 => new string('9', random.Next(1, 4000)),
            5 => "..%2F..%2Fetc%2Fpasswd",
            6 => "-0",
            _ => "NaN",
        };
        return prefix + segment;
    }

    private static string Query(Field[] parameters, Random random)
    {
        var parts = new List<string>();
        foreach (var parameter in parameters)
        {
            switch (random.Next(10))
            {
                case 0:
                    break;
                case 1:
                    parts.Add($"{parameter.Name}={Plain(parameter.Kind, random)}&{parameter.Name}={Plain(parameter.Kind, random)}");
                    break;
                case 2 or 3:
                    parts.Add($"{parameter.Name}={Plain(parameter.Kind, random)}");
                    break;
                default:
                    parts.Add($"{parameter.Name}={Uri.EscapeDataString(WeirdText(random))}");
                    break;
            }
        }

        if (random.Next(5) == 0)
        {
            parts.Add($"{Uri.EscapeDataString(Junk(random, random.Next(1, 20)))}={Uri.EscapeDataString(Junk(random, random.Next(0, 20)))}");
        }

        return parts.Count == 0 ? "" : "?" + string.Join('&', parts.OrderBy(_ => random.Next()));
    }

    private static string Plain(Kind kind, Random random) => kind switch
    {
        Kind.Integer => random.Next(-5, 2000).ToString(CultureInfo.InvariantCulture),
        Kind.Mode => new[] { "pending", "approved", "executing", "completed", "failed", "rejected", "superseded", "Pending", "manual" }[random.Next(9)],
        _ => "x",
    };

    /// <summary>A query value that is anything but a plain one.</summary>
    private static string WeirdText(Random random) => random.Next(10) switch
    {
        0 => "",
        1 => "NaN",
        2 => "1e3",
        3 => "99999999999999999999999999",
        4 => "-9223372036854775809",
        5 => "0x10",
        6 => " 5",
        7 => new string('7', random.Next(1, 3000)),
        8 => "1,2",
        _ => Junk(random, random.Next(1, 30)),
    };

    private static (byte[] Body, string? ContentType) Body(Field[] fields, Random random)
    {
        var contentType = random.Next(12) switch
        {
            0 => null,
            1 => "text/plain",
            2 => "application/json; charset=utf-16",
            3 => "application/x-www-form-urlencoded",
            4 => "application/merge-patch+json",
            _ => "application/json",
        };
        var text = random.Next(12) switch
        {
            0 => Object(fields.Select(f => (f.Name, Valid(f.Kind, random))), random),
            1 => Object(fields.Where(_ => random.Next(2) == 0).Select(f => (f.Name, Valid(f.Kind, random))), random),
            2 or 3 => Object(fields.Select(f => (f.Name, random.Next(3) == 0 ? Weird(random) : Valid(f.Kind, random))), random),
            4 => Object(fields.Select(f => (f.Name, Valid(f.Kind, random))).Append((Junk(random, random.Next(1, 12)), Weird(random))), random),
            5 => Object(fields.Select(f => (f.Name, Valid(f.Kind, random))).Concat(fields.Take(1).Select(f => (random.Next(2) == 0 ? f.Name : f.Name.ToUpperInvariant(), Weird(random)))), random),
            6 => Nest(random, random.Next(2, 40_000), fields),
            7 => Truncate(Object(fields.Select(f => (f.Name, Valid(f.Kind, random))), random), random),
            8 => null,
            9 => new[] { "[]", "[{}]", "1", "\"x\"", "null", "true", "{}", "  ", "{\"a\":1}{\"b\":2}", "{/*c*/}", "{'host':1}", "{\"host\":1,}" }[random.Next(12)],
            10 => Object(fields.Select(f => (f.Name, Weird(random))), random),
            _ => Object(fields.Select(f => (f.Name, Valid(f.Kind, random))), random) + new[] { "", " ", "\n", "x", "}", ",", "\u0000" }[random.Next(7)],
        };
        if (text is null)
        {
            var bytes = new byte[random.Next(0, 300)];
            random.NextBytes(bytes);
            return (bytes, contentType);
        }

        var body = Encoding.UTF8.GetBytes(text);
        if (random.Next(30) == 0)
        {
            body = [0xEF, 0xBB, 0xBF, .. body];
        }

        return (body, contentType);
    }

    private static string Object(IEnumerable<(string Name, string Value)> members, Random random) =>
        "{" + string.Join(random.Next(4) == 0 ? " , " : ",", members.Select(m => $"\"{Escape(m.Name)}\":{m.Value}")) + "}";

    private static string Nest(Random random, int depth, Field[] fields)
    {
        var open = random.Next(2) == 0 ? "[" : "{\"a\":";
        var close = open == "[" ? "]" : "}";
        var inner = new StringBuilder();
        for (var i = 0; i < depth; i++)
        {
            inner.Append(open);
        }

        inner.Append('1');
        for (var i = 0; i < depth && random.Next(50) != 0; i++)
        {
            inner.Append(close);
        }

        return fields.Length > 0 && random.Next(2) == 0
            ? Object([(fields[random.Next(fields.Length)].Name, inner.ToString())], random)
            : inner.ToString();
    }

    private static string Truncate(string text, Random random) => text[..random.Next(0, Math.Max(1, text.Length))];

    private static string Valid(Kind kind, Random random) => kind switch
    {
        Kind.Number => (random.NextDouble() * random.Next(1, 2000)).ToString("R", CultureInfo.InvariantCulture),
        Kind.Fraction => (1 - random.NextDouble()).ToString("R", CultureInfo.InvariantCulture),
        Kind.Integer => random.Next(0, 8).ToString(CultureInfo.InvariantCulture),
        Kind.Flag => random.Next(2) == 0 ? "true" : "false",
        Kind.Mode => random.Next(2) == 0 ? "\"manual\"" : "\"automatic\"",
        _ => $"\"fuzz-{random.Next(1000)}\"",
    };

    /// <summary>A JSON value (or something that is not one) that no field should accept as it is.</summary>
    private static string Weird(Random random) => random.Next(34) switch
    {
        0 => "\"NaN\"",
        1 => "\"Infinity\"",
        2 => "\"-Infinity\"",
        3 => "1e309",
        4 => "-1e309",
        5 => "1.7976931348623157e308",
        6 => "-0",
        7 => "-1",
        8 => "2147483648",
        9 => "-2147483649",
        10 => "9223372036854775808",
        11 => "1e-400",
        12 => "0.5",
        13 => "\"1\"",
        14 => "true",
        15 => "null",
        16 => "[]",
        17 => "{}",
        18 => "[1,2]",
        19 => "{\"a\":1}",
        20 => "\"\"",
        21 => "\"" + new string('x', random.Next(1000, 70_000)) + "\"",
        22 => "\"\\u0000\\u001b[31m\"",
        23 => "\"\\ud800\"",
        24 => "123456789012345678901234567890123456789012345678901234567890",
        25 => "01",
        26 => "+1",
        27 => ".5",
        28 => "NaN",
        29 => "Infinity",
        30 => "\"manual,automatic\"",
        31 => "\"" + Escape(Junk(random, random.Next(1, 60))) + "\"",
        32 => "1e2",
        _ => "\"AUTOMATIC\"",
    };

    private static string Junk(Random random, int length)
    {
        var text = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            text.Append(random.Next(6) switch
            {
                0 => (char)random.Next(0, 32),
                1 => (char)random.Next(0x80, 0x800),
                2 => (char)random.Next(0xD800, 0xE000),
                _ => (char)random.Next(32, 127),
            });
        }

        return text.ToString();
    }

    private static string Escape(string text)
    {
        var escaped = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            escaped.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                < ' ' => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }

        return escaped.ToString();
    }
}
