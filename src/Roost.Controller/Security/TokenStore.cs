using System.Security.Cryptography;
using System.Text;
using Roost.Simulation.Input;

namespace Roost.Controller.Security;

/// <summary>
/// The bearer token that guards every mutating request: 32 random bytes, base64url, kept in DATA/token with mode 0600
/// (owner read/write only). Generated on first start, replaced by <see cref="RotateAsync"/>.
/// </summary>
/// <remarks>
/// Rotations have one writer at a time: a new token goes to a fresh 0600 temporary file, is flushed to disk, and is
/// renamed over DATA/token (atomic), so the file always holds one whole token. While the file is being replaced both
/// the old and the new token are accepted, so the file never holds a token the server refuses. Thread-safe: tokens are
/// immutable strings swapped whole.
/// </remarks>
public sealed class TokenStore : IDisposable
{
    public const string FileName = "token";

    /// <summary>A token file larger than this is not a token (it is regenerated).</summary>
    private const int MaxFileBytes = 4096;

    private readonly SemaphoreSlim _writer = new(1, 1);
    private string _token;
    private string? _incoming;

    private TokenStore(string path, string token)
    {
        Path = path;
        _token = token;
    }

    public string Path { get; }

    public string Current => Volatile.Read(ref _token);

    /// <summary>
    /// Reads DATA/token, or writes a fresh one when it is absent or does not hold a token. Refuses (one-line
    /// <see cref="IOException"/>) a token path that is a link or not a regular file.
    /// </summary>
    public static async Task<TokenStore> OpenAsync(string dataDirectory, CancellationToken cancellationToken)
    {
        var path = System.IO.Path.Combine(dataDirectory, FileName);
        foreach (var stale in Directory.EnumerateFiles(dataDirectory, FileName + ".*.tmp"))
        {
            File.Delete(stale);
        }

        // A FIFO or a device would block or never end the read: only a regular file (not a link to one) is read.
        var kind = InputFile.KindOf(path);
        var isLink = new FileInfo(path).LinkTarget is not null;
        if (isLink || kind is not (FileKind.Regular or FileKind.Missing))
        {
            throw new IOException($"{path}: the token file is {(isLink ? "a link" : InputFile.Name(kind))}; remove it and start again");
        }

        if (kind == FileKind.Regular && new FileInfo(path).Length <= MaxFileBytes)
        {
            var text = InputFile.Read(path, MaxFileBytes) switch
            {
                InputFileResult.Read read => Encoding.UTF8.GetString(read.Bytes.Span).Trim(),
                InputFileResult.Refused refused => throw new IOException($"{path}: {refused.Reason}"),
                _ => throw new InvalidOperationException("unreachable"),
            };
            if (IsToken(text))
            {
                return new TokenStore(path, text);
            }
        }

        var store = new TokenStore(path, NewToken());
        await store.WriteAsync(store.Current, cancellationToken).ConfigureAwait(false);
        return store;
    }

    /// <summary>
    /// A new token, written and in force when this returns; null when another rotation held the writer for longer than
    /// <paramref name="wait"/> (the caller answers 409). On a write failure the old token stays in force and in the file.
    /// </summary>
    public async Task<string?> RotateAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        if (!await _writer.WaitAsync(wait, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        try
        {
            var token = NewToken();
            Volatile.Write(ref _incoming, token);
            await WriteAsync(token, cancellationToken).ConfigureAwait(false);
            Interlocked.Exchange(ref _token, token);
            return token;
        }
        finally
        {
            Volatile.Write(ref _incoming, null);
            _writer.Release();
        }
    }

    /// <summary>Constant-time comparison with the current token (and the incoming one while a rotation writes it).</summary>
    /// <remarks>
    /// The incoming token is read before the current one. A rotation sets the incoming token, writes the file, sets the
    /// current token and only then clears the incoming one, so whatever the file held before this call is one of the two
    /// read here. Read the other way round, a rotation finishing between the two reads left neither (the current read
    /// before it was set, the incoming after it was cleared): a token already in the file was refused.
    /// </remarks>
    public bool Matches(string? presented)
    {
        var incoming = Volatile.Read(ref _incoming);
        var current = Current;
        return presented is not null && (Same(presented, current) | (incoming is not null && Same(presented, incoming)));
    }

    private static bool Same(string presented, string token) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(token));

    private async Task WriteAsync(string token, CancellationToken cancellationToken)
    {
        var temporary = $"{Path}.{Convert.ToHexString(RandomNumberGenerator.GetBytes(6))}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnly.FileMode;
        }

        try
        {
            var stream = new FileStream(temporary, options);
            await using (stream.ConfigureAwait(false))
            {
                await stream.WriteAsync(Encoding.UTF8.GetBytes(token + "\n"), cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, Path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    public void Dispose() => _writer.Dispose();

    private static bool IsToken(string text) =>
        text.Length is >= 16 and <= 512 && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static string NewToken() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
