namespace Roost.Simulation.DataCenter;

/// <summary>
/// A bad hardware file (<c>roost simulate --hardware FILE</c>). <see cref="Exception.Message"/> is the one line a user
/// sees, naming the file and the field: <c>fleet.json: hostTypes[0].memoryMiB: expected a whole number from 1 to 16777216</c>.
/// </summary>
public sealed class HardwareFormatException : Exception
{
    public HardwareFormatException(string message)
        : base(message)
    {
    }

    public HardwareFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public HardwareFormatException()
    {
    }
}
