using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Roost.Controller.Api;

/// <summary>
/// A request that declares a body larger than the limit is answered 413 at once, whatever its route or token, with
/// <c>Connection: close</c>: its body is never read, so the connection cannot carry another request, and a client
/// told so does not send one on it. (Kestrel enforces the same limit on bodies of unknown length as they are read.)
/// </summary>
public static class BodyLimit
{
    public static IApplicationBuilder UseBodyLimit(this IApplicationBuilder app, long maxBytes) =>
        app.Use(async (context, next) =>
        {
            if (context.Request.ContentLength is { } length && length > maxBytes)
            {
                context.Response.Headers.Connection = "close";
                await Problems.Status(StatusCodes.Status413PayloadTooLarge, string.Create(CultureInfo.InvariantCulture, $"body: {length} bytes, more than {maxBytes}"))
                    .ExecuteAsync(context).ConfigureAwait(false);
                return;
            }

            await next(context).ConfigureAwait(false);
        });
}
