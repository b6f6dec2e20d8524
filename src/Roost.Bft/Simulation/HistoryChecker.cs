using Roost.Bft.Messages;
using Roost.Bft.Services;

namespace Roost.Bft.Simulation;

/// <summary>
/// Checks that a key-value client history is linearizable, using the commit order as the witness: it replays the
/// committed batches through a sequential model (a plain dictionary, independent of the replicated service's code,
/// with the same exactly-once rule: a client's request runs only if its timestamp is above the last one run), then
/// requires (1) every answered request to appear in that order with the model's result, and (2) the order to respect
/// real time: a request answered before another was issued comes first. Passing proves linearizability.
/// </summary>
public static class HistoryChecker
{
    public static IReadOnlyList<string> Check(IReadOnlyList<Batch> order, IReadOnlyList<ClientOperation> history)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(history);
        var violations = new List<string>();
        var model = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var last = new Dictionary<int, long>();
        var results = new Dictionary<(int, long), (byte[] Result, int Position)>();
        var position = 0;
        foreach (var batch in order)
        {
            foreach (var request in batch.Requests)
            {
                if (request.Timestamp <= last.GetValueOrDefault(request.Client))
                {
                    continue;
                }

                last[request.Client] = request.Timestamp;
                results[(request.Client, request.Timestamp)] = (Apply(model, request.Operation), position++);
            }
        }

        var invoked = history.ToDictionary(o => (o.Client, o.Timestamp));
        foreach (var operation in history.Where(o => o.Result is not null))
        {
            if (!results.TryGetValue((operation.Client, operation.Timestamp), out var expected))
            {
                violations.Add($"c{operation.Client}#{operation.Timestamp} was answered but is not in the committed order");
                continue;
            }

            if (!expected.Result.AsSpan().SequenceEqual(operation.Result))
            {
                violations.Add($"c{operation.Client}#{operation.Timestamp}: answered {Convert.ToHexString(operation.Result ?? [])}, the sequential model in commit order gives {Convert.ToHexString(expected.Result)}");
            }
        }

        // Real time: scanning in commit order, an answered request may not complete before one ordered earlier was issued.
        var ordered = results.OrderBy(r => r.Value.Position).Select(r => r.Key).ToList();
        var latestInvocation = long.MinValue;
        (int, long) latestKey = default;
        foreach (var key in ordered)
        {
            if (!invoked.TryGetValue(key, out var operation))
            {
                continue;
            }

            if (operation.CompletedAt is { } completed && completed < latestInvocation)
            {
                violations.Add($"c{key.Item1}#{key.Item2} completed at {completed} µs, before c{latestKey.Item1}#{latestKey.Item2} (ordered earlier) was issued at {latestInvocation} µs");
            }

            if (operation.InvokedAt > latestInvocation)
            {
                latestInvocation = operation.InvokedAt;
                latestKey = key;
            }
        }

        return violations;
    }

    private static byte[] Apply(Dictionary<string, byte[]> model, byte[] operation)
    {
        if (!KeyValueOperation.TryDecode(operation, out var kind, out var keyBytes, out var value))
        {
            return [0xFF];
        }

        var key = Convert.ToHexString(keyBytes);
        var found = model.TryGetValue(key, out var old);
        switch (kind)
        {
            case KeyValueOperation.Get:
                return KeyValueOperation.Result(found, old ?? []);
            case KeyValueOperation.Put:
                model[key] = value.ToArray();
                return KeyValueOperation.Result(found, old ?? []);
            default:
                var appended = (old ?? []).Concat(value.ToArray()).ToArray();
                model[key] = appended;
                return KeyValueOperation.Result(true, appended);
        }
    }
}
