namespace Roost.Cli.Client;

/// <summary><c>-o table</c> (aligned columns for people), <c>json</c> (the API's own JSON), <c>csv</c> (RFC 4180, a header row).</summary>
internal enum OutputFormat
{
    Table,
    Json,
    Csv,
}
