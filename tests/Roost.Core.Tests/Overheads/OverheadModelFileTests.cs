using System.Text.RegularExpressions;
using Roost.Core.Overheads;

namespace Roost.Core.Tests.Overheads;

public sealed class OverheadModelFileTests
{
    private static OverheadModel FittedModel()
    {
        // Two metrics with distinct effects plus noise in a fixed pattern: enough for a model with terms in both parts.
        var samples = new List<BenchmarkSample>();
        for (var k = 0; k < 6; k++)
        {
            for (var o = 0; o < 5; o++)
            {
                var user = (7.0 * k) + (1.3 * o);
                var writes = (11.0 * ((k * 3) % 6)) + (2.0 * o * o);
                var noise = 0.05 * (((k * 5) + o) % 3 - 1);
                samples.Add(new BenchmarkSample(
                    $"b{k}",
                    NativeUsage.Of((NativeMetric.CpuUserPct, user), (NativeMetric.DiskWritesPerS, writes)),
                    new VirtualCpu(1.1 * user + 0.02 * writes + 0.7 + noise, 0.3 + (0.05 * writes) + noise)));
            }
        }

        var result = OverheadModelFitter.Fit(samples, new PlatformDescription("qemu-tcg", "QEMU 7.2, TCG, 1 vCPU"), OverheadFitOptions.Default);
        return Assert.IsType<OverheadFitResult.Fitted>(result).Model;
    }

    [Fact]
    public void FittedModel_RoundTrips_ByteForByte_AndPredictsTheSame()
    {
        var model = FittedModel();
        var text = OverheadModelFile.Format(model);

        var read = OverheadModelFile.Parse(text, "m.json");

        Assert.Equal(text, OverheadModelFile.Format(read));
        Assert.Equal(model.Platform, read.Platform);
        Assert.Equal(model.Options, read.Options);
        Assert.Equal(model.Metrics, read.Metrics);
        var usage = NativeUsage.Of((NativeMetric.CpuUserPct, 42.5), (NativeMetric.DiskWritesPerS, 17));
        Assert.Equal(model.Predict(usage), read.Predict(usage));
        Assert.NotEmpty(read.GuestCpu.Terms);
    }

    [Theory]
    [InlineData("{", "m.json: line 1: not valid JSON")]
    [InlineData("[]", "m.json: expected an object")]
    [InlineData("{\"format\":\"x\"}", "m.json: version: missing")]
    public void Malformed_IsOneLineNamingTheFile(string text, string expected)
    {
        var error = Assert.Throws<OverheadFormatException>(() => OverheadModelFile.Parse(text, "m.json"));

        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Theory]
    [InlineData("\"coefficient\": [-0-9.eE+]+", "\"coefficient\": \"NaN\"", "guestCpu.terms[0].coefficient: expected a finite number, got 'NaN'")]
    [InlineData("\"metric\": \"cpu_user_pct\"", "\"metric\": \"cpu_usr_pct\"", "guestCpu.terms[0].metric: 'cpu_usr_pct' is not a native metric")]
    [InlineData("\"version\": 1", "\"version\": 2", "version: version 2 is not supported")]
    [InlineData("\"samples\": ", "\"sample\": ", "training.sample: unknown field")]
    [InlineData("\"name\": \"qemu-tcg\"", "\"name\": \"qemu\\u202Etcg\"", "platform.name: 'qemu?tcg' has a control or invisible character")]
    [InlineData("\"converged\": true", "\"converged\": 1", "guestCpu.summary.converged: expected true or false, got 1")]
    [InlineData("\"enterPValue\": 0.05", "\"enterPValue\": 0.5", "options: removePValue 0.1 is outside (enterPValue, 1]")]
    [InlineData("\"pValue\": [-0-9.eE+]+", "\"pValue\": 2", "guestCpu.terms[0].pValue: 2 is outside [0, 1]")]
    [InlineData("\"intercept\": [-0-9.eE+]+", "\"intercept\": 1e999", "guestCpu.intercept: expected a finite number, got 1e999")]
    public void BadField_IsOneLineNamingTheField(string find, string replace, string expected)
    {
        // find is a regular expression; its first match is replaced.
        var text = OverheadModelFile.Format(FittedModel());
        var match = Regex.Match(text, find);
        Assert.True(match.Success, $"'{find}' not in the model file");
        var broken = string.Concat(text.AsSpan(0, match.Index), replace, text.AsSpan(match.Index + match.Length));

        var error = Assert.Throws<OverheadFormatException>(() => OverheadModelFile.Parse(broken, "m.json"));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("m.json: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RepeatedField_IsRefused()
    {
        var text = OverheadModelFile.Format(FittedModel()).Replace("\"format\": \"roost-move-model\",", "\"format\": \"roost-move-model\", \"format\": \"roost-move-model\",", StringComparison.Ordinal);

        var error = Assert.Throws<OverheadFormatException>(() => OverheadModelFile.Parse(text, "m.json"));

        Assert.Equal("m.json: format: appears twice", error.Message);
    }
}
