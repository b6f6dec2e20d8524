namespace Roost.Simulation.Workloads;

/// <summary>
/// Bad workload input. <see cref="Exception.Message"/> is the one line a user sees, naming the file, the line and
/// what is wrong, e.g. <c>planetlab/20110303/node_x: line 17: 'abc' is not a CPU percentage</c>.
/// </summary>
public sealed class WorkloadFormatException : Exception
{
    public WorkloadFormatException(string message)
        : base(message)
    {
    }

    public WorkloadFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public WorkloadFormatException()
    {
    }
}
