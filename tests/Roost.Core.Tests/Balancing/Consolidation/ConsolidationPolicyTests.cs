using Roost.Core.Balancing.Consolidation;

namespace Roost.Core.Tests.Balancing.Consolidation;

public sealed class ConsolidationPolicyTests
{
    private static readonly TimeSpan _interval = TimeSpan.FromSeconds(300);

    public static TheoryData<string, string> Combinations()
    {
        var data = new TheoryData<string, string>();
        foreach (var detector in new[] { "thr", "iqr", "mad", "lr", "lrr" })
        {
            foreach (var selection in new[] { "mmt", "mu", "rs", "mc" })
            {
                data.Add(detector, selection);
            }
        }

        return data;
    }

    [Fact]
    public void TryParse_Npa_IsNonPowerAwareWithoutDetector()
    {
        var parsed = ConsolidationPolicy.TryParse("npa", _interval, out var policy, out var error);

        Assert.True(parsed);
        Assert.NotNull(policy);
        Assert.Equal(PolicyKind.NonPowerAware, policy.Kind);
        Assert.Null(policy.Detector);
        Assert.Equal("npa", policy.Name);
        Assert.Equal(string.Empty, error);
    }

    [Fact]
    public void TryParse_Dvfs_IsDvfsWithoutDetector()
    {
        var parsed = ConsolidationPolicy.TryParse("dvfs", _interval, out var policy, out _);

        Assert.True(parsed);
        Assert.NotNull(policy);
        Assert.Equal(PolicyKind.Dvfs, policy.Kind);
        Assert.Null(policy.Detector);
    }

    [Theory]
    [InlineData("npa")]
    [InlineData("dvfs")]
    public void CreateSelection_PolicyWithoutMigrations_Throws(string name)
    {
        Assert.True(ConsolidationPolicy.TryParse(name, _interval, out var policy, out _));

        Assert.Throws<InvalidOperationException>(() => policy.CreateSelection(new Random(1)));
    }

    [Theory]
    [MemberData(nameof(Combinations))]
    public void TryParse_EveryDetectorAndSelection_BuildsThem(string detector, string selection)
    {
        var text = $"{detector}-{selection}-0.8";

        var parsed = ConsolidationPolicy.TryParse(text, _interval, out var policy, out var error);

        Assert.True(parsed, error);
        Assert.NotNull(policy);
        Assert.Equal(PolicyKind.DynamicConsolidation, policy.Kind);
        Assert.Equal(text, policy.Name);
        Assert.Equal(detector, policy.Detector?.Name);
        Assert.Equal(selection, policy.CreateSelection(new Random(1)).Name);
    }

    [Fact]
    public void TryParse_UpperCaseWithSpaces_IsNormalised()
    {
        var parsed = ConsolidationPolicy.TryParse("  LR-MMT-1.2 ", _interval, out var policy, out _);

        Assert.True(parsed);
        Assert.NotNull(policy);
        Assert.Equal("lr-mmt-1.2", policy.Name);
        Assert.Equal("lr-mmt-1.2", policy.ToString());
    }

    [Fact]
    public void TryParse_LocalRegression_CarriesSafetyAndInterval()
    {
        var parsed = ConsolidationPolicy.TryParse("lrr-mc-1.2", _interval, out var policy, out _);

        Assert.True(parsed);
        var detector = Assert.IsType<LocalRegressionDetector>(policy?.Detector);
        Assert.Equal(1.2, detector.Safety);
        Assert.True(detector.Robust);
        Assert.Equal(_interval, detector.SchedulingInterval);
    }

    [Fact]
    public void TryParse_Thr_ParameterIsTheThreshold()
    {
        var parsed = ConsolidationPolicy.TryParse("thr-mu-0.8", _interval, out var policy, out _);

        Assert.True(parsed);
        var detector = Assert.IsType<StaticThresholdDetector>(policy?.Detector);
        Assert.Equal(0.8, detector.Threshold);
    }

    [Theory]
    [InlineData("iqr-mmt-1.5", 1.5)]
    [InlineData("mad-rs-2.5", 2.5)]
    [InlineData("iqr-mmt-0", 0.0)]
    public void TryParse_IqrAndMad_ParameterIsTheSafety(string text, double safety)
    {
        var parsed = ConsolidationPolicy.TryParse(text, _interval, out var policy, out _);

        Assert.True(parsed);
        var actual = policy?.Detector switch
        {
            InterQuartileRangeDetector iqr => iqr.Safety,
            MedianAbsoluteDeviationDetector mad => mad.Safety,
            _ => double.NaN,
        };
        Assert.Equal(safety, actual);
    }

    [Fact]
    public void TryParse_IqrWithShortHistory_FallsBackToStaticSeventyPercent()
    {
        // Fewer than 12 values: CloudSim's fallback is a static 0.7 threshold, strictly greater.
        Assert.True(ConsolidationPolicy.TryParse("iqr-mmt-1.5", _interval, out var policy, out _));
        double[] history = [0.5, 0.5];

        var atThreshold = policy.Detector?.IsOverloaded(new HostLoad(history, 0.7, 0));
        var above = policy.Detector?.IsOverloaded(new HostLoad(history, 0.71, 0));

        Assert.False(atThreshold);
        Assert.True(above);
    }

    [Fact]
    public void TryParse_RandomSelection_UsesTheGivenGenerator()
    {
        Assert.True(ConsolidationPolicy.TryParse("thr-rs-0.8", _interval, out var policy, out _));
        SelectableVm[] vms = [new(1, 1, 0, Array.Empty<double>()), new(2, 1, 0, Array.Empty<double>()), new(3, 1, 0, Array.Empty<double>())];
        var first = policy.CreateSelection(new Random(5));
        var second = policy.CreateSelection(new Random(5));

        var a = Enumerable.Range(0, 30).Select(_ => first.ChooseVm(vms)).ToArray();
        var b = Enumerable.Range(0, 30).Select(_ => second.ChooseVm(vms)).ToArray();

        Assert.Equal(a, b);
    }

    [Fact]
    public void TryParse_UnknownDetector_NamesIt()
    {
        var parsed = ConsolidationPolicy.TryParse("foo-mmt-1.2", _interval, out var policy, out var error);

        Assert.False(parsed);
        Assert.Null(policy);
        Assert.Contains("'foo'", error, StringComparison.Ordinal);
        Assert.Contains("overload detection", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_UnknownSelection_NamesIt()
    {
        var parsed = ConsolidationPolicy.TryParse("lr-xyz-1.2", _interval, out var policy, out var error);

        Assert.False(parsed);
        Assert.Null(policy);
        Assert.Contains("'xyz'", error, StringComparison.Ordinal);
        Assert.Contains("selection", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("lr-mmt-abc", "'abc'")]
    [InlineData("lr-mmt-", "''")]
    [InlineData("thr-mmt-nan", "'nan'")]
    public void TryParse_ParameterNotANumber_NamesIt(string text, string expected)
    {
        var parsed = ConsolidationPolicy.TryParse(text, _interval, out var policy, out var error);

        Assert.False(parsed);
        Assert.Null(policy);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("thr-mmt--0.5")]
    [InlineData("lr-mmt--1.2")]
    public void TryParse_NegativeParameter_IsRejected(string text)
    {
        // A '-' is the separator, so a negative parameter splits into four parts and is rejected as a malformed name.
        var parsed = ConsolidationPolicy.TryParse(text, _interval, out var policy, out var error);

        Assert.False(parsed);
        Assert.Null(policy);
        Assert.Contains(text, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("thr-mmt-0", "thr")]
    [InlineData("thr-mmt-1.5", "thr")]
    [InlineData("lr-mmt-0", "lr")]
    [InlineData("lrr-mu-0", "lrr")]
    public void TryParse_ParameterOutOfRangeForDetector_NamesDetectorAndValue(string text, string detector)
    {
        var parsed = ConsolidationPolicy.TryParse(text, _interval, out var policy, out var error);

        Assert.False(parsed);
        Assert.Null(policy);
        Assert.Contains(text.Split('-')[2], error, StringComparison.Ordinal);
        Assert.Contains(detector, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("lr-mmt")]
    [InlineData("lr")]
    [InlineData("")]
    public void TryParse_WrongShape_ExplainsTheForm(string text)
    {
        var parsed = ConsolidationPolicy.TryParse(text, _interval, out var policy, out var error);

        Assert.False(parsed);
        Assert.Null(policy);
        Assert.Contains("is not a policy", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("lr-mmt-1.2-extra", "'1.2-extra'")]
    [InlineData("thr-mmt--0.5", "'-0.5'")]
    [InlineData("iqr-mmt-infinity", "'infinity'")]
    public void TryParse_BadParameter_NamesIt(string text, string quoted)
    {
        var parsed = ConsolidationPolicy.TryParse(text, _interval, out var policy, out var error);

        Assert.False(parsed);
        Assert.Null(policy);
        Assert.Contains(quoted, error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_ParameterWithExponent_IsAccepted()
    {
        var parsed = ConsolidationPolicy.TryParse("lr-mmt-1e-3", _interval, out var policy, out _);

        Assert.True(parsed);
        Assert.Equal(PolicyKind.DynamicConsolidation, policy!.Kind);
    }

    [Fact]
    public void TryParse_Null_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => ConsolidationPolicy.TryParse(null!, _interval, out _, out _));
    }
}
