using System.Globalization;
using System.Text;
using Roost.Simulation.Input.Fuzzing;

namespace Roost.Cli.Tests.Commands;

/// <summary><c>roost move fit|predict</c> and <c>roost simulate --overhead-model</c>: a round trip, and bad input as one line with exit 2.</summary>
public sealed class MoveCommandTests : IClassFixture<MoveCommandTests.FittedModel>, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("roost-move-").FullName;
    private readonly FittedModel _fitted;

    public MoveCommandTests(FittedModel fitted)
    {
        _fitted = fitted;
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>One model fitted through 'roost move fit' for the whole class (each fit is a process start).</summary>
    public sealed class FittedModel : IDisposable
    {
        private readonly string _folder = Directory.CreateTempSubdirectory("roost-move-model-").FullName;

        public FittedModel()
        {
            Path = System.IO.Path.Combine(_folder, "model.json");
            var samples = System.IO.Path.Combine(_folder, "samples.csv");
            File.WriteAllText(samples, Samples());
            var fit = RoostProcess.Run("move", "fit", "--samples", samples, "--out", Path, "--platform", "test");
            (FitExitCode, FitStdout, FitStderr) = (fit.ExitCode, fit.Stdout, fit.Stderr);
        }

        public string Path { get; }

        public int FitExitCode { get; }

        public string FitStdout { get; }

        public string FitStderr { get; }

        public void Dispose() => Directory.Delete(_folder, recursive: true);
    }

    private string PathOf(string name) => Path.Combine(_folder, name);

    private string Write(string name, string text)
    {
        File.WriteAllText(PathOf(name), text);
        return PathOf(name);
    }

    /// <summary>
    /// Eight benchmarks of five samples: guest = 1 + 1.05·cpu_user_pct + e, emulation = 0.5 + 0.002·net_rx_packets_per_s + e,
    /// e a fixed ±0.1 pattern; disk_reads_per_s varies but matters to neither.
    /// </summary>
    private static string Samples()
    {
        var text = new StringBuilder("benchmark,cpu_user_pct,net_rx_packets_per_s,disk_reads_per_s,guest_cpu_pct,emulation_cpu_pct\n");
        for (var k = 0; k < 8; k++)
        {
            for (var o = 0; o < 5; o++)
            {
                var user = (9.0 * k) + (2.0 * o);
                var packets = (300.0 * ((k * 5) % 8)) + (40.0 * o);
                var reads = (17.0 * ((k + o) % 4)) + k;
                var e = 0.1 * (((k + (2 * o)) % 3) - 1);
                text.Append(CultureInfo.InvariantCulture, $"b{k},{user},{packets},{reads},{1 + (1.05 * user) + e},{0.5 + (0.002 * packets) + e}\n");
            }
        }

        return text.ToString();
    }

    private string Model()
    {
        Assert.True(_fitted.FitExitCode == 0, _fitted.FitStderr);
        return _fitted.Path;
    }

    private static void AssertOneLineError(RoostProcess.Outcome outcome, string expectedFragment)
    {
        Assert.Equal(2, outcome.ExitCode);
        var lines = outcome.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains(expectedFragment, lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", outcome.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void FitThenPredict_WritesTheModel_AndPredictsTheVirtualTrace()
    {
        var model = Model();
        Assert.Contains("guest CPU = ", _fitted.FitStdout, StringComparison.Ordinal);
        Assert.DoesNotContain("disk_reads_per_s", _fitted.FitStdout, StringComparison.Ordinal);
        var profile = Write("app.csv", "time_s,cpu_user_pct,net_rx_packets_per_s\n0,40,1000\n5,60,0\n");

        var outcome = RoostProcess.Run("move", "predict", "--model", model, "--profile", profile);

        Assert.True(outcome.ExitCode == 0, outcome.Stderr);
        var lines = outcome.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("time_s,guest_cpu_pct,emulation_cpu_pct,virtual_cpu_pct", lines[0]);
        var first = lines[1].Split(',').Select(f => double.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(1 + (1.05 * 40), first[1], 0.05);
        Assert.Equal(0.5 + 2, first[2], 0.05);
        Assert.Equal(3, lines.Length);
    }

    [Fact]
    public void PredictProfileWithNaN_OneLineNamingFileAndLine() =>
        AssertOneLineError(
            RoostProcess.Run("move", "predict", "--model", Model(), "--profile", Write("app.csv", "time_s,cpu_user_pct,net_rx_packets_per_s\n0,40,1000\n5,NaN,0\n")),
            "app.csv: line 3: cpu_user_pct: 'NaN' is not a finite number ≥ 0");

    [Fact]
    public void PredictProfileWithoutAMetricTheModelUses_OneLine() =>
        AssertOneLineError(
            RoostProcess.Run("move", "predict", "--model", Model(), "--profile", Write("app.csv", "time_s,cpu_user_pct\n0,40\n")),
            "app.csv: no column net_rx_packets_per_s, which the model");

    [Fact]
    public void PredictWithAFolderOrMissingModel_OneLine()
    {
        var profile = Write("app.csv", "time_s,cpu_user_pct\n0,40\n");

        AssertOneLineError(RoostProcess.Run("move", "predict", "--model", _folder, "--profile", profile), $"{_folder}: is a folder");
        AssertOneLineError(RoostProcess.Run("move", "predict", "--model", PathOf("none.json"), "--profile", profile), "none.json: no such file");
    }

    [Fact]
    public void PredictWithAFifoOrDeviceAsModel_RefusedWithoutBlocking()
    {
        var fifo = PathOf("model.fifo");
        SpecialFile.MakeFifo(fifo);
        var profile = Write("app.csv", "time_s,cpu_user_pct\n0,40\n");

        AssertOneLineError(RoostProcess.Run("move", "predict", "--model", fifo, "--profile", profile), $"{fifo}: is a named pipe (FIFO), not a regular file");
        AssertOneLineError(RoostProcess.Run("move", "predict", "--model", Model(), "--profile", "/dev/zero"), "/dev/zero: is a character device, not a regular file");
        AssertOneLineError(RoostProcess.Run("move", "predict", "--model", Model(), "--profile", profile, "--out", fifo), "--out");
    }

    [Fact]
    public void PredictWithACorruptModel_OneLineNamingTheField() =>
        AssertOneLineError(
            RoostProcess.Run("move", "predict", "--model", Write("m.json", File.ReadAllText(Model()).Replace("\"intercept\"", "\"intercep\"", StringComparison.Ordinal)), "--profile", Write("app.csv", "time_s,cpu_user_pct\n0,40\n")),
            "m.json: guestCpu.intercep: unknown field");

    [Fact]
    public void FitBadOrTooFewSamples_OneLine()
    {
        AssertOneLineError(
            RoostProcess.Run("move", "fit", "--samples", Write("bad.csv", "benchmark,cpu_user_pct,guest_cpu_pct,emulation_cpu_pct\nb,1,,1\n"), "--out", PathOf("m.json"), "--platform", "p"),
            "bad.csv: line 2: guest_cpu_pct: '' is not a finite number ≥ 0");
        AssertOneLineError(
            RoostProcess.Run("move", "fit", "--samples", Write("few.csv", "benchmark,cpu_user_pct,guest_cpu_pct,emulation_cpu_pct\nb,1,1,1\nb,2,2,1\n"), "--out", PathOf("m.json"), "--platform", "p"),
            "few.csv: 2 samples are too few");
        Assert.False(File.Exists(PathOf("m.json")));
    }

    [Fact]
    public void FitWithoutPlatformOrWithAnOptionOfPredict_OneLine()
    {
        AssertOneLineError(RoostProcess.Run("move", "fit", "--samples", "s.csv", "--out", "m.json"), "roost move fit: --platform is required");
        AssertOneLineError(RoostProcess.Run("move", "fit", "--profile", "p.csv"), "option '--profile' does not apply here");
        AssertOneLineError(RoostProcess.Run("move", "tune"), "roost move: expected fit, predict, record, bench or evaluate");
        AssertOneLineError(RoostProcess.Run("move", "bench"), "roost move bench: --out is required");
        AssertOneLineError(RoostProcess.Run("move", "bench", "--out", PathOf("b.csv"), "--workloads", "some"), "roost move bench: --workloads 'some' is not micro, apps or all");
    }

    [Fact]
    public void Evaluate_ScoresTheModelPerApplication_AndAMissingSamplesFileIsOneLine()
    {
        var samples = Write("apps.csv", "benchmark,cpu_user_pct,net_rx_packets_per_s,guest_cpu_pct,emulation_cpu_pct\nweb-1,10,0,11.5,0.5\nweb-2,20,0,23.0,0.5\ndb-1,10,1000,23.0,2.5\n");

        var evaluated = RoostProcess.Run("move", "evaluate", "--model", Model(), "--samples", samples);

        Assert.True(evaluated.ExitCode == 0, evaluated.Stderr);
        // The model is about guest = 1 + 1.05·cpu_user_pct: web's 11.5 and 22 predicted against 11.5 and 23 measured
        // are errors of about 0 % and 4.3 % (median about 2.2 %, p90 the larger); db's 11.5 against 23 about 50 %.
        double[] Guest(string application)
        {
            var line = evaluated.Stdout.Split('\n').Single(l => l.StartsWith(application + " ", StringComparison.Ordinal));
            var match = System.Text.RegularExpressions.Regex.Match(line, @"^\w+\s+\d+\s+([0-9.]+) /\s+([0-9.]+) %");
            Assert.True(match.Success, line);
            return [double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), double.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture)];
        }

        Assert.InRange(Guest("web")[0], 1.5, 3.0);
        Assert.InRange(Guest("web")[1], 3.5, 5.0);
        Assert.InRange(Guest("db")[0], 48, 52);
        AssertOneLineError(RoostProcess.Run("move", "evaluate", "--model", Model(), "--samples", PathOf("none.csv")), "none.csv: no such file");
    }

    [Fact]
    public void Record_SamplesThisHost_IntoAProfilePredictReads()
    {
        var profile = PathOf("host.csv");

        var recorded = RoostProcess.Run("move", "record", "--seconds", "1", "--interval", "0.5", "--out", profile);
        var predicted = RoostProcess.Run("move", "predict", "--model", Model(), "--profile", profile);

        Assert.True(recorded.ExitCode == 0, recorded.Stderr);
        var lines = File.ReadAllLines(profile);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("time_s,cpu_user_pct,cpu_system_pct,cpu_iowait_pct,net_rx_packets_per_s", lines[0], StringComparison.Ordinal);
        Assert.True(predicted.ExitCode == 0, predicted.Stderr);
        Assert.Equal(3, predicted.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void SimulateWithOverheadModel_PlansTheVirtualizedWorkload()
    {
        var model = Model();

        var plain = RoostProcess.Run("simulate", "--workload", "synthetic:3:20", "--hosts", "20", "--policy", "thr-mmt-0.8", "--json");
        var virtualized = RoostProcess.Run("simulate", "--workload", "synthetic:3:20", "--hosts", "20", "--policy", "thr-mmt-0.8", "--json", "--overhead-model", model);

        Assert.True(virtualized.ExitCode == 0, virtualized.Stderr);
        Assert.Contains("in VMs (test)", virtualized.Stdout, StringComparison.Ordinal);
        Assert.Contains("net_rx_packets_per_s", virtualized.Stderr, StringComparison.Ordinal);
        Assert.NotEqual(plain.Stdout, virtualized.Stdout);
    }

    [Fact]
    public void SimulateWithMissingOverheadModel_OneLine() =>
        AssertOneLineError(
            RoostProcess.Run("simulate", "--workload", "synthetic:3:20", "--hosts", "20", "--policy", "npa", "--overhead-model", PathOf("none.json")),
            "none.json: no such file");
}
