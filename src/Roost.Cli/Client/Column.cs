using System.Text.Json;

namespace Roost.Cli.Client;

/// <summary>One column of a listing: its header and how a row of the API's JSON shows in it.</summary>
internal sealed record Column(string Header, Func<JsonElement, string> Value);
