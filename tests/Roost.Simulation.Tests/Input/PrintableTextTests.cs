using Roost.Simulation.Input;

namespace Roost.Simulation.Tests.Input;

public sealed class PrintableTextTests
{
    [Theory]
    [InlineData("node\u001b[2J", @"node\x1B[2J")]
    [InlineData("a\u001b]0;pwned\u0007b", @"a\x1B]0;pwned\x07b")]
    [InlineData("line\nnext\rover\ttab", @"line\nnext\rover\ttab")]
    [InlineData("c1\u009b31m", @"c1\x9B31m")]
    [InlineData("del\u007f", @"del\x7F")]
    [InlineData("nul\0", @"nul\x00")]
    [InlineData("\u202eevil", @"\u202Eevil")]
    [InlineData("iso\u2066x\u2069", @"iso\u2066x\u2069")]
    [InlineData("sep\u2028", @"sep\u2028")]
    public void Escape_ControlCharacters_AreShownAsEscapes(string text, string expected) =>
        Assert.Equal(expected, PrintableText.Escape(text));

    [Theory]
    [InlineData("planetlab/20110303/node_x: line 17: 'abc' is not a CPU percentage")]
    [InlineData("héllo wörld ✓ 中文")]
    [InlineData(@"already\x1Bescaped")]
    public void Escape_PrintableText_IsUnchanged(string text)
    {
        Assert.Same(text, PrintableText.Escape(text));
        Assert.False(PrintableText.HasUnsafe(text));
    }

    [Fact]
    public void Escape_IsIdempotent()
    {
        var once = PrintableText.Escape("a\u001b[31m\nb\u202e");

        Assert.Equal(once, PrintableText.Escape(once));
    }

    [Fact]
    public void Shorten_CutsLongInputAndEscapes()
    {
        Assert.Equal(@"\x1Baaa...", PrintableText.Shorten("\u001b" + new string('a', 100), 4));
        Assert.Equal("short", PrintableText.Shorten("short", 60));
    }
}
