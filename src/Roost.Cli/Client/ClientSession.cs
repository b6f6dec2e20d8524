using System.Globalization;
using System.Text.Json;

namespace Roost.Cli.Client;

/// <summary>One client verb's run: the controller it talks to, where it prints, in which format.</summary>
internal sealed class ClientSession : IDisposable
{
    public ClientSession(ControllerClient client, OutputFormat format, TextWriter output, TextWriter error)
    {
        Client = client;
        Format = format;
        Output = output;
        Error = error;
    }

    public ControllerClient Client { get; }

    public OutputFormat Format { get; }

    public TextWriter Output { get; }

    public TextWriter Error { get; }

    /// <summary>A path segment from an operator's name or id, escaped so it stays one segment.</summary>
    public static string Segment(string reference) => Uri.EscapeDataString(reference);

    /// <summary>Host id to name, for listings that show hosts by the name operators know.</summary>
    public async Task<IReadOnlyDictionary<int, string>> HostNamesAsync(CancellationToken cancellationToken)
    {
        var hosts = await Client.GetAsync("api/hosts", cancellationToken).ConfigureAwait(false);
        return Listing.Rows(hosts).ToDictionary(h => Listing.Member(h, "id").GetInt32(), h => Listing.Text(h, "name"));
    }

    /// <summary>A host's id from its name or id (<c>sim-03</c>, <c>3</c>, <c>host-3</c>), as the controller resolves it.</summary>
    public async Task<int> HostIdAsync(string reference, CancellationToken cancellationToken)
    {
        var host = await Client.GetAsync("api/hosts/" + Segment(reference), cancellationToken).ConfigureAwait(false);
        return Listing.Member(host, "id") is { ValueKind: JsonValueKind.Number } id ? id.GetInt32() : throw new UsageException($"roost: host '{reference}': the controller's answer has no id", 1);
    }

    /// <summary>Says that a verb whose answer was 204 happened: a table prints <paramref name="line"/>; json and csv print nothing.</summary>
    public async Task DoneAsync(string line)
    {
        if (Format == OutputFormat.Table)
        {
            await Output.WriteLineAsync(Simulation.Input.PrintableText.Escape(line)).ConfigureAwait(false);
        }
    }

    public static string HostName(IReadOnlyDictionary<int, string> names, JsonElement id) =>
        id.ValueKind == JsonValueKind.Number ? names.GetValueOrDefault(id.GetInt32()) ?? "host-" + id.GetInt32().ToString(CultureInfo.InvariantCulture) : "";

    public void Dispose() => Client.Dispose();
}
