namespace Roost.Controller;

/// <summary>An HTTP answer's body read with a cap: memory grows with what arrived, never past the cap.</summary>
internal static class BoundedContent
{
    /// <summary>The body, or null as soon as it is longer than <paramref name="maxBytes"/> (reading stops there).</summary>
    public static async Task<byte[]?> ReadAsync(HttpContent content, long maxBytes, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            while (await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false) is var read and > 0)
            {
                if (buffer.Length + read > maxBytes)
                {
                    return null;
                }

                buffer.Write(chunk, 0, read);
            }
        }

        return buffer.ToArray();
    }
}
