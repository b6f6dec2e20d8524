using System.Runtime.Versioning;
using Roost.Controller.Security;
using Roost.Simulation.Input.Fuzzing;

namespace Roost.Controller.Tests.Security;

[UnsupportedOSPlatform("windows")]
public sealed class TokenStoreTests
{
    [Fact]
    public async Task OpenAsync_TokenPathIsAFifo_RefusesInOneLine_InsteadOfBlocking()
    {
        using var data = new TempDirectory();
        var path = Path.Combine(data.Path, TokenStore.FileName);
        SpecialFile.MakeFifo(path);

        var error = await Assert.ThrowsAsync<IOException>(() => TokenStore.OpenAsync(data.Path, default));

        Assert.Equal($"{path}: the token file is a named pipe (FIFO); remove it and start again", error.Message);
    }

    [Fact]
    public async Task OpenAsync_TokenPathIsALink_Refuses()
    {
        using var data = new TempDirectory();
        var target = Path.Combine(data.Path, "elsewhere");
        await File.WriteAllTextAsync(target, "an-existing-token-of-enough-length\n");
        var path = Path.Combine(data.Path, TokenStore.FileName);
        File.CreateSymbolicLink(path, target);

        var error = await Assert.ThrowsAsync<IOException>(() => TokenStore.OpenAsync(data.Path, default));

        Assert.Equal($"{path}: the token file is a link; remove it and start again", error.Message);
    }

    [Fact]
    public async Task OpenAsync_ExistingToken_IsKept()
    {
        using var data = new TempDirectory();
        var path = Path.Combine(data.Path, TokenStore.FileName);
        await File.WriteAllTextAsync(path, "an-existing-token-of-enough-length\n");

        using var tokens = await TokenStore.OpenAsync(data.Path, default);

        Assert.Equal("an-existing-token-of-enough-length", tokens.Current);
    }
}
