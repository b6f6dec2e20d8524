using System.Globalization;

namespace Roost.Cli;

/// <summary>
/// One line on stderr showing how far a set of parallel runs has got. Drawn only when stderr is a terminal, at most
/// ten times a second; thread-safe (runs report from worker threads).
/// </summary>
internal sealed class ProgressBar
{
    private const int Width = 30;
    private readonly double[] _done;
    private readonly bool _enabled;
    private readonly Lock _lock = new();
    private long _lastDrawTicks;

    public ProgressBar(int runs, bool enabled)
    {
        _done = new double[runs];
        _enabled = enabled;
    }

    public IProgress<double> For(int run) => new RunProgress(this, run);

    public void Finish()
    {
        if (_enabled)
        {
            lock (_lock)
            {
                Console.Error.Write("\r" + new string(' ', Width + 40) + "\r");
            }
        }
    }

    private void Report(int run, double fraction)
    {
        if (!_enabled)
        {
            return;
        }

        lock (_lock)
        {
            _done[run] = fraction;
            var now = Environment.TickCount64;
            if (now - _lastDrawTicks < 100 && fraction < 1)
            {
                return;
            }

            _lastDrawTicks = now;
            var overall = _done.Average();
            var filled = (int)Math.Round(overall * Width);
            Console.Error.Write(string.Create(
                CultureInfo.InvariantCulture,
                $"\r[{new string('#', filled)}{new string('.', Width - filled)}] {overall * 100,5:0.0}%  {_done.Count(d => d >= 1)}/{_done.Length} policies done"));
        }
    }

    private sealed class RunProgress(ProgressBar bar, int run) : IProgress<double>
    {
        public void Report(double value) => bar.Report(run, value);
    }
}
