using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Roost.Hypervisor.Recovery;

/// <summary>
/// One client connection to a protected guest's database service (<see cref="SqliteGuest"/>): sends
/// <c>commit CLIENT SEQ</c> and checks the answer is <c>ok CLIENT SEQ ROW</c> for what it sent. The answer is read
/// a byte at a time up to 256 bytes, so a misbehaving guest cannot make it hold more.
/// </summary>
public sealed class CommitLogClient : IDisposable
{
    private const int MaxLineBytes = 256;
    private readonly Socket _socket;
    private readonly byte[] _one = new byte[1];

    /// <summary>Takes a connected socket (made where the caller needs it, e.g. inside a site's network namespace).</summary>
    public CommitLogClient(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        _socket = socket;
        _socket.NoDelay = true;
    }

    /// <summary>The row id the transaction got, or an <see cref="IOException"/> naming what the guest answered instead.</summary>
    public async Task<long> CommitAsync(int client, long sequence, CancellationToken cancellationToken)
    {
        await _socket.SendAsync(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"commit {client} {sequence}\n")), SocketFlags.None, cancellationToken).ConfigureAwait(false);
        var line = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
        return line?.Split(' ') is ["ok", var c, var s, var slotText]
            && c == client.ToString(CultureInfo.InvariantCulture) && s == sequence.ToString(CultureInfo.InvariantCulture)
            && long.TryParse(slotText, NumberStyles.None, CultureInfo.InvariantCulture, out var slot) && slot >= 1
            ? slot
            : throw new IOException(string.Create(CultureInfo.InvariantCulture, $"commit {client} {sequence}: the service answered '{Printable(line ?? "(connection closed)")}'"));
    }

    /// <summary>Sends a line that commits nothing and returns the answer (the service says "error"): is it up?</summary>
    public async Task<string?> ProbeAsync(CancellationToken cancellationToken)
    {
        await _socket.SendAsync("status\n"u8.ToArray(), SocketFlags.None, cancellationToken).ConfigureAwait(false);
        return await ReadLineAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _socket.Dispose();

    private async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        var line = new StringBuilder();
        while (line.Length < MaxLineBytes && await _socket.ReceiveAsync(_one, SocketFlags.None, cancellationToken).ConfigureAwait(false) == 1)
        {
            if (_one[0] == '\n')
            {
                return line.ToString();
            }

            line.Append((char)_one[0]);
        }

        return line.Length > 0 ? line.ToString() : null;
    }

    private static string Printable(string text) => new([.. text.Select(c => c is >= ' ' and <= '~' ? c : '?')]);
}
