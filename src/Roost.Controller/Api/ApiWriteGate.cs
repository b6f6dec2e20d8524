namespace Roost.Controller.Api;

/// <summary>
/// Serialises the API's read-check-write requests that the store cannot make atomic by itself: a VM name must be free
/// when the VM is stored, and a settings patch merges into the settings it read. Only the active controller serves
/// the API (one writer per store), so one gate per process is enough. Never held across a driver call.
/// </summary>
public sealed class ApiWriteGate : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task<IDisposable> EnterAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Release(_gate);
    }

    public void Dispose() => _gate.Dispose();

    private sealed class Release(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}
