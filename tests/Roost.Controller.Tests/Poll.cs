namespace Roost.Controller.Tests;

/// <summary>Waiting for an outcome of real processes: polls until the condition holds or fails the test at the deadline.</summary>
internal static class Poll
{
    public static async Task<T> UntilAsync<T>(Func<Task<T?>> probe, TimeSpan timeout, Func<Task<string>> describe)
        where T : class
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            if (await probe() is { } found)
            {
                return found;
            }

            if (deadline.IsCancellationRequested)
            {
                Assert.Fail($"not within {timeout.TotalSeconds:0} s: {await describe()}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }
    }
}
