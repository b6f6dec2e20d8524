using System.Text.Json;
using Roost.Cli.Client;

namespace Roost.Cli.Tests.Client;

/// <summary>What the client prints from a controller's answer: text it did not write itself reaches the terminal escaped.</summary>
public sealed class ListingTests
{
    private static readonly Column[] _columns = [new("NAME", r => Listing.Text(r, "name")), new("NOTE", r => Listing.Text(r, "note"))];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ControlCharactersFromTheController_AreEscaped_AndEachRowIsOneLine(bool csv)
    {
        var format = csv ? OutputFormat.Csv : OutputFormat.Table;
        var rows = JsonSerializer.Deserialize<JsonElement>("""[{"name": "web\u001b]0;owned\u0007", "note": "a, \"b\"\nc"}]""");
        using var output = new StringWriter();

        await Listing.WriteAsync(output, format, rows, Listing.Rows(rows), _columns);

        var text = output.ToString();
        Assert.DoesNotContain('\u001b', text);
        Assert.DoesNotContain('\u0007', text);
        Assert.Equal(2, text.TrimEnd('\n').Split('\n').Length);
        Assert.Contains(@"web\x1B]0;owned\x07", text, StringComparison.Ordinal);
    }

    [Fact]
    public void CsvLine_QuotesCommasAndQuotes_AfterEscaping()
    {
        Assert.Equal("\"a, \"\"b\"\"\\nc\",plain", Listing.CsvLine(["a, \"b\"\nc", "plain"]));
    }
}
