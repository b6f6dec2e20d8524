using Roost.Hypervisor.Lab.Relay;

namespace Roost.Hypervisor.Tests.Lab;

public sealed class LearningSwitchTests
{
    private static readonly byte[] _a = [0x02, 0, 0, 0, 0, 0x0a];
    private static readonly byte[] _b = [0x02, 0, 0, 0, 0, 0x0b];
    private static readonly byte[] _broadcast = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff];

    [Fact]
    public void UnknownDestination_FloodsEveryOtherPort()
    {
        var ports = new LearningSwitch(4);

        var outPorts = Route(ports, Frame(_b, _a), 1);

        Assert.Equal([0, 2, 3], outPorts);
    }

    [Fact]
    public void LearnedDestination_GoesToItsPortOnly()
    {
        var ports = new LearningSwitch(4);
        Route(ports, Frame(_broadcast, _b), 3);

        var outPorts = Route(ports, Frame(_b, _a), 0);

        Assert.Equal([3], outPorts);
    }

    [Fact]
    public void DestinationOnTheInputPort_GoesNowhere()
    {
        var ports = new LearningSwitch(3);
        Route(ports, Frame(_broadcast, _b), 1);

        Assert.Empty(Route(ports, Frame(_b, _a), 1));
    }

    [Fact]
    public void Broadcast_FloodsEvenWhenItsSourceIsKnown()
    {
        var ports = new LearningSwitch(3);
        Route(ports, Frame(_broadcast, _a), 0);

        Assert.Equal([0, 2], Route(ports, Frame(_broadcast, _b), 1));
    }

    [Fact]
    public void AddressThatMoves_IsFollowedOnItsNextFrame()
    {
        var ports = new LearningSwitch(3);
        Route(ports, Frame(_broadcast, _b), 1);

        Route(ports, Frame(_broadcast, _b), 2);

        Assert.Equal([2], Route(ports, Frame(_b, _a), 0));
    }

    [Fact]
    public void ShortFrame_GoesNowhere()
    {
        Assert.Empty(Route(new LearningSwitch(2), new byte[13], 0));
    }

    [Fact]
    public void ManySources_TableStaysBounded()
    {
        var ports = new LearningSwitch(2);
        for (var i = 0; i < 3 * LearningSwitch.MaxEntries; i++)
        {
            byte[] source = [0x02, 0, unchecked((byte)(i >> 16)), unchecked((byte)(i >> 8)), unchecked((byte)i), 1];
            Route(ports, Frame(_broadcast, source), i % 2);
        }

        Assert.InRange(ports.LearnedAddresses, 1, LearningSwitch.MaxEntries);
    }

    private static int[] Route(LearningSwitch ports, byte[] frame, int inPort)
    {
        var outPorts = new int[ports.Ports];
        var count = ports.Route(frame, inPort, outPorts);
        return outPorts[..count];
    }

    private static byte[] Frame(byte[] destination, byte[] source) => [.. destination, .. source, 0x08, 0x00, .. new byte[46]];
}
