using Roost.Bft.Net;
using Roost.Cli.Commands;
using Roost.Hypervisor.Agent;

namespace Roost.Cli.Tests.Commands;

/// <summary>
/// A sleeper VM's pause and resume as its agent drives them (<see cref="VmPause"/>): idempotent like the process
/// freezer, and a failed or timed-out agent call is a logged line whose outcome follows the VM's real state.
/// </summary>
public sealed class BftVmPauseTests : IDisposable
{
    private readonly List<string> _posts = [];
    private readonly StringWriter _log = new();

    public void Dispose() => _log.Dispose();

    [Fact]
    public void SecondAsleep_DoesNotPauseAPausedVmAgain_AndOneWakeResumesIt()
    {
        var pause = Pause(_ => Task.CompletedTask, VmState.Running);

        pause.Pause();
        pause.Pause();
        Assert.True(pause.IsPaused);
        pause.Resume();
        pause.Resume();

        Assert.False(pause.IsPaused);
        Assert.Equal(["pause", "resume"], _posts);
        Assert.Equal("", _log.ToString());
    }

    [Fact]
    public void RefusedPause_IsOneLoggedLine_AndTheStateIsReadBack()
    {
        var pause = Pause(_ => throw new ConfigException("roost agent: POST /api/vms/bft-e2/pause: 409 conflict"), VmState.Paused);

        pause.Pause();

        Assert.True(pause.IsPaused);
        Assert.Equal("  e2: pause of VM bft-e2 failed (roost agent: POST /api/vms/bft-e2/pause: 409 conflict); it is Paused" + Environment.NewLine, _log.ToString());
    }

    [Fact]
    public void TimedOutPause_WhoseStateCannotBeRead_CountsAsPaused_SoAWakeStillResumes()
    {
        var timeOut = true;
        var pause = Pause(_ => timeOut ? throw new TaskCanceledException() : Task.CompletedTask, null);

        pause.Pause();
        Assert.True(pause.IsPaused);
        Assert.Contains("no answer within 15 s", _log.ToString(), StringComparison.Ordinal);
        Assert.Contains("taken as paused", _log.ToString(), StringComparison.Ordinal);
        timeOut = false;
        pause.Resume();

        Assert.False(pause.IsPaused);
        Assert.Equal(["pause", "resume"], _posts);
    }

    [Fact]
    public void FailedResume_OfAVmStillPaused_StaysPaused_SoTheNextWakeRetries()
    {
        var fail = false;
        var pause = Pause(_ => fail ? throw new HttpRequestException("connection refused") : Task.CompletedTask, VmState.Paused);
        pause.Pause();
        fail = true;

        pause.Resume();
        Assert.True(pause.IsPaused);
        fail = false;
        pause.Resume();

        Assert.False(pause.IsPaused);
        Assert.Equal(["pause", "resume", "resume"], _posts);
    }

    private VmPause Pause(Func<string, Task> post, VmState? state) =>
        new("e2", "bft-e2", verb =>
        {
            _posts.Add(verb);
            return post(verb);
        }, () => Task.FromResult(state), TimeSpan.FromSeconds(15), _log);
}
