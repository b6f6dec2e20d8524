namespace Roost.Controller.Tests.Api;

/// <summary>One <see cref="ControllerFixture"/> for a whole test class whose tests change nothing (or only what they check).</summary>
public sealed class SharedController : IAsyncLifetime
{
    private ControllerFixture? _fixture;

    internal ControllerFixture Fixture => _fixture ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        _fixture = await ControllerFixture.StartAsync();
        await _fixture.StepAsync();
    }

    public async Task DisposeAsync()
    {
        if (_fixture is not null)
        {
            await _fixture.DisposeAsync();
        }
    }
}
