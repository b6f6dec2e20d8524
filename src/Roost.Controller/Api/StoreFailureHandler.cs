using System.Data.Common;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Roost.Controller.Api;

/// <summary>
/// A request the store cannot serve (disk full, database unreachable, corrupt row) is answered 503 with the reason in
/// one line, and logged as one line: it is the store's state, not a bug of the request.
/// </summary>
internal sealed partial class StoreFailureHandler(ILogger<StoreFailureHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        if (exception is not (DbException or IOException or InvalidDataException or TimeoutException) || httpContext.Response.HasStarted)
        {
            return false;
        }

        var reason = OneLine(exception);
        LogStoreFailure(logger, httpContext.Request.Method, httpContext.Request.Path, reason);
        await Problems.Unavailable($"the store cannot serve this request: {reason}").ExecuteAsync(httpContext).ConfigureAwait(false);
        return true;
    }

    /// <summary>The exception's message (and its cause's) on one line, for operators.</summary>
    internal static string OneLine(Exception exception) => Hypervisor.Logging.OneLineConsoleFormatter.OneLine(exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path}: the store failed: {Reason}")]
    private static partial void LogStoreFailure(ILogger logger, string method, string path, string reason);
}
