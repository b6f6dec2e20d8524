namespace Roost.Core.Overheads;

/// <summary>
/// A MOVE model, samples or profile file that cannot be used. <see cref="Exception.Message"/> is the one line a user
/// sees, naming the file and the line or field: <c>samples.csv: line 17: cpu_user_pct: 'abc' is not a number</c>.
/// </summary>
public sealed class OverheadFormatException : Exception
{
    public OverheadFormatException(string message)
        : base(message)
    {
    }

    public OverheadFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public OverheadFormatException()
    {
    }
}
