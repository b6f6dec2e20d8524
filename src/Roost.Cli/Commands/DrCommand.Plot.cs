using System.Globalization;
using System.Security;
using System.Text;
using Roost.Core.Recovery;

namespace Roost.Cli.Commands;

/// <summary><c>roost dr cost --plot</c>: the year's cost against the days failed over, as a self-contained SVG (no gnuplot).</summary>
internal sealed partial class DrCommand
{
    private const int PlotWidth = 900;
    private const int PlotHeight = 560;
    private const int Left = 80;
    private const int Right = 260;
    private const int Top = 40;
    private const int Bottom = 60;

    private static readonly string[] _colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"];

    private static readonly Dictionary<BackupMechanism, string> _dashes = new()
    {
        [BackupMechanism.Periodic] = "2,4",
        [BackupMechanism.Continuous] = "",
        [BackupMechanism.HotStandby] = "10,4",
    };

    /// <summary>
    /// One line per application and mechanism (the cloud's cost rises with every day failed over) and one flat line
    /// per application for the dedicated site; the cost axis is logarithmic, as the applications differ by orders of magnitude.
    /// </summary>
    private static string Plot(List<DrApplication> apps, List<BackupMechanism> mechanisms, DrPrices prices, double retentionDays, int lastDay)
    {
        var inv = CultureInfo.InvariantCulture;
        var days = Enumerable.Range(0, lastDay + 1).Select(d => (double)d).ToArray();
        var cloud = apps.SelectMany(a => mechanisms.Select(m => (App: a, Mechanism: m, Costs: days.Select(d => DrCostModel.Year(a, m, prices, d, retentionDays).CloudTotalUsd).ToArray()))).ToList();
        var site = apps.Select(a => (App: a, Cost: DrCostModel.Year(a, mechanisms[0], prices, 0, retentionDays).SiteTotalUsd)).ToList();
        var all = cloud.SelectMany(c => c.Costs).Concat(site.Select(s => s.Cost)).Where(c => c > 0).ToArray();
        var low = Math.Floor(Math.Log10(all.Length > 0 ? all.Min() : 1));
        var high = Math.Max(low + 1, Math.Ceiling(Math.Log10(all.Length > 0 ? all.Max() : 10)));
        double X(double day) => Left + (PlotWidth - Left - Right) * day / lastDay;
        double Y(double usd) => Top + (PlotHeight - Top - Bottom) * (high - Math.Log10(Math.Max(usd, Math.Pow(10, low)))) / (high - low);
        string Colour(DrApplication app) => _colours[apps.IndexOf(app) % _colours.Length];

        var svg = new StringBuilder();
        svg.AppendLine(inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{PlotWidth}\" height=\"{PlotHeight}\" font-family=\"sans-serif\" font-size=\"12\">")
            .AppendLine("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>")
            .AppendLine(inv, $"<text x=\"{Left}\" y=\"22\" font-size=\"14\">One year of DR: cloud against a dedicated site (prices '{SecurityElement.Escape(prices.Name)}', USD, log scale)</text>");
        for (var e = low; e <= high; e++)
        {
            svg.AppendLine(inv, $"<line x1=\"{Left}\" x2=\"{PlotWidth - Right}\" y1=\"{Y(Math.Pow(10, e)):0.#}\" y2=\"{Y(Math.Pow(10, e)):0.#}\" stroke=\"#ddd\"/>")
                .AppendLine(inv, $"<text x=\"{Left - 6}\" y=\"{Y(Math.Pow(10, e)) + 4:0.#}\" text-anchor=\"end\">{Math.Pow(10, e):N0}</text>");
        }

        var step = Math.Max(1, lastDay / 6);
        for (var d = 0; d <= lastDay; d += step)
        {
            svg.AppendLine(inv, $"<text x=\"{X(d):0.#}\" y=\"{PlotHeight - Bottom + 18}\" text-anchor=\"middle\">{d}</text>");
        }

        svg.AppendLine(inv, $"<text x=\"{(Left + PlotWidth - Right) / 2}\" y=\"{PlotHeight - 18}\" text-anchor=\"middle\">days a year failed over to the DR site</text>")
            .AppendLine(inv, $"<rect x=\"{Left}\" y=\"{Top}\" width=\"{PlotWidth - Left - Right}\" height=\"{PlotHeight - Top - Bottom}\" fill=\"none\" stroke=\"black\"/>");
        var legend = Top;
        foreach (var (app, mechanism, costs) in cloud)
        {
            var points = string.Join(' ', days.Select((d, i) => string.Create(inv, $"{X(d):0.#},{Y(costs[i]):0.#}")));
            var dash = _dashes[mechanism] is { Length: > 0 } pattern ? $" stroke-dasharray=\"{pattern}\"" : "";
            svg.AppendLine(inv, $"<polyline points=\"{points}\" fill=\"none\" stroke=\"{Colour(app)}\" stroke-width=\"2\"{dash}/>");
            svg.AppendLine(inv, $"<line x1=\"{PlotWidth - Right + 12}\" x2=\"{PlotWidth - Right + 42}\" y1=\"{legend + 8}\" y2=\"{legend + 8}\" stroke=\"{Colour(app)}\" stroke-width=\"2\"{dash}/>")
                .AppendLine(inv, $"<text x=\"{PlotWidth - Right + 48}\" y=\"{legend + 12}\">cloud: {SecurityElement.Escape(app.Name)}, {BackupMechanisms.Name(mechanism)}</text>");
            legend += 18;
        }

        foreach (var (app, cost) in site)
        {
            svg.AppendLine(inv, $"<line x1=\"{Left}\" x2=\"{PlotWidth - Right}\" y1=\"{Y(cost):0.#}\" y2=\"{Y(cost):0.#}\" stroke=\"{Colour(app)}\" stroke-width=\"4\" opacity=\"0.35\"/>")
                .AppendLine(inv, $"<line x1=\"{PlotWidth - Right + 12}\" x2=\"{PlotWidth - Right + 42}\" y1=\"{legend + 8}\" y2=\"{legend + 8}\" stroke=\"{Colour(app)}\" stroke-width=\"4\" opacity=\"0.35\"/>")
                .AppendLine(inv, $"<text x=\"{PlotWidth - Right + 48}\" y=\"{legend + 12}\">dedicated site: {SecurityElement.Escape(app.Name)}</text>");
            legend += 18;
        }

        svg.AppendLine("</svg>");
        return svg.ToString();
    }
}
