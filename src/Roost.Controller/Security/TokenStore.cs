using System.Security.Cryptography;
using System.Text;

namespace Roost.Controller.Security;

/// <summary>
/// The bearer token that guards every mutating request: 32 random bytes, base64url, kept in DATA/token with mode 0600
/// (owner read/write only) so only the operator's account can read it. Generated on first start, replaced by
/// <see cref="RotateAsync"/>. Thread-safe: the token is an immutable string swapped whole.
/// </summary>
public sealed class TokenStore
{
    private string _token;

    private TokenStore(string path, string token)
    {
        Path = path;
        _token = token;
    }

    public string Path { get; }

    public string Current => Volatile.Read(ref _token);

    /// <summary>Reads DATA/token, or creates it with a fresh token.</summary>
    public static async Task<TokenStore> OpenAsync(string dataDirectory, CancellationToken cancellationToken)
    {
        var path = System.IO.Path.Combine(dataDirectory, "token");
        if (File.Exists(path))
        {
            var text = (await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false)).Trim();
            if (text.Length >= 16)
            {
                return new TokenStore(path, text);
            }
        }

        var store = new TokenStore(path, NewToken());
        await store.WriteAsync(store.Current, cancellationToken).ConfigureAwait(false);
        return store;
    }

    public async Task<string> RotateAsync(CancellationToken cancellationToken)
    {
        var token = NewToken();
        await WriteAsync(token, cancellationToken).ConfigureAwait(false);
        Interlocked.Exchange(ref _token, token);
        return token;
    }

    /// <summary>Constant-time comparison with the current token.</summary>
    public bool Matches(string? presented) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(Current));

    private async Task WriteAsync(string token, CancellationToken cancellationToken)
    {
        // Written to a new 0600 file and renamed over the old one, so the token is never readable by others, even briefly.
        var temporary = Path + ".new";
        File.Delete(temporary);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var stream = new FileStream(temporary, options);
        await using (stream.ConfigureAwait(false))
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(token + "\n"), cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        File.Move(temporary, Path, overwrite: true);
    }

    private static string NewToken() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
