using System.Globalization;

namespace Roost.Cli;

/// <summary>The options a user gave to one verb, with typed accessors that fail in one clear line.</summary>
internal sealed class ParsedOptions
{
    private readonly Dictionary<string, List<string>> _values;

    public ParsedOptions(string verb, Dictionary<string, List<string>> values, IReadOnlyList<string> positional)
    {
        Verb = verb;
        _values = values;
        Positional = positional;
    }

    public string Verb { get; }

    public IReadOnlyList<string> Positional { get; }

    public bool Has(string name) => _values.ContainsKey(name);

    public string? Get(string name) => _values.TryGetValue(name, out var list) ? list[^1] : null;

    public IReadOnlyList<string> GetAll(string name) => _values.TryGetValue(name, out var list) ? list : [];

    public int GetInt(string name, int fallback, int min = int.MinValue, int max = int.MaxValue)
    {
        var text = Get(name);
        if (text is null)
        {
            return fallback;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new UsageException($"roost {Verb}: --{name} '{text}' is not a whole number from {min} to {max}");
        }

        return value;
    }

    public double GetDouble(string name, double fallback, double min = double.MinValue, double max = double.MaxValue)
    {
        var text = Get(name);
        if (text is null)
        {
            return fallback;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value) || value < min || value > max)
        {
            throw new UsageException($"roost {Verb}: --{name} '{text}' is not a number from {min} to {max}");
        }

        return value;
    }

    /// <summary>
    /// Refuses in one line an option given that <paramref name="subcommand"/> (<c>fit</c>, <c>wan up</c>) does not take;
    /// <paramref name="allowed"/> are the options it takes. The first such option in name order is named.
    /// </summary>
    public void RejectOptionsOutside(string subcommand, IReadOnlyCollection<string> allowed)
    {
        ArgumentNullException.ThrowIfNull(allowed);
        if (_values.Keys.Where(name => !allowed.Contains(name)).Order(StringComparer.Ordinal).FirstOrDefault() is { } stray)
        {
            throw new UsageException($"roost {Verb} {subcommand}: option '--{stray}' does not apply here (see 'roost {Verb} --help')");
        }
    }

    public void RejectPositional()
    {
        if (Positional.Count > 0)
        {
            throw new UsageException($"roost {Verb}: unexpected argument '{Positional[0]}' (see 'roost {Verb} --help')");
        }
    }
}
