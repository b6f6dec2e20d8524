using System.Text.Json;
using Roost.Cli.Client;

namespace Roost.Cli.Tests.Client;

public sealed class VpcVerbsTests
{
    [Theory]
    [InlineData("""{"vpcs":[{"id":"x","subnet":"10.0.0.0/24"}],"members":[],"rules":[]}""", "malformed network intent")]
    [InlineData("""{"vpcs":[{"id":0,"subnet":"10.0.0.0/24"}],"members":[],"rules":[]}""", "malformed network intent")]
    [InlineData("null", "empty answer")]
    public void ReadIntent_MalformedAnswer_IsAClearErrorWithExitCode1(string answer, string expected)
    {
        var json = JsonSerializer.Deserialize<JsonElement>(answer);

        var e = Assert.Throws<UsageException>(() => VpcVerbs.ReadIntent(json));

        Assert.Equal(1, e.ExitCode);
        Assert.StartsWith("roost vpc apply: the controller's network: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}
