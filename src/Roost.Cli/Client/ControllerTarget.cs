using System.Text.Json;
using Roost.Simulation.Input;

namespace Roost.Cli.Client;

/// <summary>
/// Which controller a client verb talks to and with which token, from (first given wins): the options
/// (<c>--controller URL</c>, <c>--token-file F</c>), the environment (<c>ROOST_CONTROLLER</c>, <c>ROOST_TOKEN_FILE</c>,
/// <c>ROOST_TOKEN</c>), then a named entry of the config file (<c>--context NAME</c> or <c>ROOST_CONTEXT</c>, else the
/// file's <c>current</c>; the file is <c>--config F</c>, <c>ROOST_CONFIG</c> or <c>~/.config/roost/controllers.json</c>,
/// as <c>clouds.yaml</c> names clouds), else <c>http://127.0.0.1:7070</c> with no token (loopback reads need none).
/// </summary>
internal sealed record ControllerTarget(Uri Url, string? Token, string SourceHint)
{
    public const string DefaultUrl = "http://127.0.0.1:7070";

    /// <summary>A config file is small; anything larger is refused, as is a FIFO or a device.</summary>
    public const long MaxConfigBytes = 64 * 1024;

    public static ControllerTarget Resolve(string? url, string? tokenFile, string? configFile, string? context, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        url ??= environment("ROOST_CONTROLLER");
        tokenFile ??= environment("ROOST_TOKEN_FILE");
        var token = tokenFile is null ? Nonempty(environment("ROOST_TOKEN")) : null;
        var source = url is null ? null : " (from --controller or ROOST_CONTROLLER)";
        context ??= environment("ROOST_CONTEXT");
        var path = configFile ?? environment("ROOST_CONFIG");
        if (url is null || (tokenFile is null && token is null && context is not null))
        {
            path ??= DefaultConfigPath(environment);
            if (path is not null && (configFile is not null || context is not null || File.Exists(path)))
            {
                var entry = ConfigEntry(path, context);
                if (url is null && entry.Url is not null)
                {
                    url = entry.Url;
                    source = $" (from {PrintableText.Escape(path)}, '{entry.Name}')";
                }

                if (tokenFile is null && token is null && entry.TokenFile is not null)
                {
                    // The entry's token belongs to the entry's controller: never sent to a URL given beside it.
                    if (url is not null && entry.Url is not null && ParseUrl(url) != ParseUrl(entry.Url))
                    {
                        throw new UsageException($"roost: config {PrintableText.Escape(path)}: the token of '{entry.Name}' is for {ParseUrl(entry.Url)}, not {ParseUrl(url)}{source}; give that controller's token (--token-file, ROOST_TOKEN_FILE or ROOST_TOKEN)");
                    }

                    tokenFile = entry.TokenFile;
                }
            }
        }

        var parsed = ParseUrl(url ?? DefaultUrl);
        if (tokenFile is not null)
        {
            token = BearerToken(TokenFile.Read("roost: token file", tokenFile), $"token file {PrintableText.Escape(tokenFile)}");
        }
        else if (token is not null)
        {
            token = BearerToken(token, "ROOST_TOKEN");
        }

        return new ControllerTarget(parsed, token, source ?? $" (the default; give --controller URL)");
    }

    /// <summary>
    /// A token goes into a header: one word of printable ASCII (a second line or a non-ASCII letter could not be sent).
    /// The message never quotes the token.
    /// </summary>
    private static string BearerToken(string token, string source) =>
        token.All(c => c is > ' ' and <= '~')
            ? token
            : throw new UsageException($"roost: {source}: not a bearer token (one word of printable ASCII, on one line)");

    /// <summary>http or https, a host, no user info, query or fragment: the token goes to this address only.</summary>
    public static Uri ParseUrl(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0
            || uri.UserInfo.Length > 0 || uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            throw new UsageException($"roost: controller '{PrintableText.Escape(PrintableText.Shorten(text))}' is not an http(s)://HOST[:PORT] URL");
        }

        return new Uri(uri.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/");
    }

    private static string? DefaultConfigPath(Func<string, string?> environment)
    {
        var home = Nonempty(environment("XDG_CONFIG_HOME")) ?? (Nonempty(environment("HOME")) is { } h ? Path.Combine(h, ".config") : null);
        return home is null ? null : Path.Combine(home, "roost", "controllers.json");
    }

    private static string? Nonempty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private sealed record Entry(string Name, string? Url, string? TokenFile);

    /// <summary>
    /// <c>{"current": "lab", "controllers": {"lab": {"url": "http://10.0.0.5:7070", "tokenFile": "/root/lab.token"}}}</c>:
    /// strict (no unknown fields), every problem one line naming the file and the entry.
    /// </summary>
    private static Entry ConfigEntry(string path, string? context)
    {
        var shown = PrintableText.Escape(path);
        var bytes = InputFile.Read(path, MaxConfigBytes) switch
        {
            InputFileResult.Read read => read.Bytes,
            InputFileResult.Refused refused => throw new UsageException($"roost: config {shown}: {refused.Reason}"),
            _ => throw new InvalidOperationException("unreachable"),
        };
        JsonElement root;
        try
        {
            root = JsonSerializer.Deserialize<JsonElement>(bytes.Span);
        }
        catch (JsonException e)
        {
            throw new UsageException($"roost: config {shown}: not JSON (line {e.LineNumber + 1})");
        }

        string? current = null;
        JsonElement? controllers = null;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new UsageException($"roost: config {shown}: must be a JSON object with 'controllers'");
        }

        foreach (var member in root.EnumerateObject())
        {
            switch (member.Name)
            {
                case "current" when member.Value.ValueKind == JsonValueKind.String:
                    current = member.Value.GetString();
                    break;
                case "controllers" when member.Value.ValueKind == JsonValueKind.Object:
                    controllers = member.Value;
                    break;
                default:
                    throw new UsageException($"roost: config {shown}: '{PrintableText.Escape(member.Name)}' is not a field here (expected 'current', a string, and 'controllers', an object)");
            }
        }

        var name = context ?? current ?? throw new UsageException($"roost: config {shown}: no 'current' entry; give --context NAME");
        if (controllers is not { } all || !all.TryGetProperty(name, out var entry) || entry.ValueKind != JsonValueKind.Object)
        {
            throw new UsageException($"roost: config {shown}: no controller named '{PrintableText.Escape(name)}'");
        }

        string? url = null, tokenFile = null;
        foreach (var member in entry.EnumerateObject())
        {
            switch (member.Name)
            {
                case "url" when member.Value.ValueKind == JsonValueKind.String:
                    url = member.Value.GetString();
                    break;
                case "tokenFile" when member.Value.ValueKind == JsonValueKind.String:
                    tokenFile = member.Value.GetString();
                    break;
                default:
                    throw new UsageException($"roost: config {shown}: controller '{PrintableText.Escape(name)}': '{PrintableText.Escape(member.Name)}' is not a field here (expected 'url' and 'tokenFile', strings)");
            }
        }

        if (tokenFile is not null && !Path.IsPathRooted(tokenFile))
        {
            // Relative to the config file, as an operator reading the file would expect.
            tokenFile = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".", tokenFile);
        }

        return new Entry(PrintableText.Escape(name), url, tokenFile);
    }
}
