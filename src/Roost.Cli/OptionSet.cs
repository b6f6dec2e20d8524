using System.Text;

namespace Roost.Cli;

/// <summary>One option a verb accepts. <see cref="ValueName"/> is null for a flag.</summary>
internal sealed record OptionSpec(string Name, string? ValueName, string Description, bool Repeatable = false);

/// <summary>
/// The options of one verb: parses <c>--name value</c>, <c>--name=value</c> and flags, and renders help.
/// Unknown options and missing values are reported in one line naming the option.
/// </summary>
internal sealed class OptionSet
{
    private readonly List<OptionSpec> _specs = [];

    public OptionSet(string usage, string description)
    {
        Usage = usage;
        Description = description;
    }

    public string Usage { get; }

    public string Description { get; }

    public IReadOnlyList<OptionSpec> Specs => _specs;

    public OptionSet Add(string name, string? valueName, string description, bool repeatable = false)
    {
        _specs.Add(new OptionSpec(name, valueName, description, repeatable));
        return this;
    }

    public ParsedOptions Parse(string verb, IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var values = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var positional = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg == "--")
            {
                positional.Add(arg);
                continue;
            }

            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var name = equals > 0 ? arg[2..equals] : arg[2..];
            var spec = _specs.Find(s => s.Name == name)
                ?? throw new UsageException($"roost {verb}: unknown option '--{name}' (see 'roost {verb} --help')");
            string value;
            if (spec.ValueName is null)
            {
                if (equals > 0)
                {
                    throw new UsageException($"roost {verb}: option '--{name}' takes no value");
                }

                value = "true";
            }
            else if (equals > 0)
            {
                value = arg[(equals + 1)..];
            }
            else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                value = args[++i];
            }
            else
            {
                throw new UsageException($"roost {verb}: option '--{name}' needs a value {spec.ValueName}");
            }

            if (!values.TryGetValue(name, out var list))
            {
                list = [];
                values[name] = list;
            }
            else if (!spec.Repeatable)
            {
                throw new UsageException($"roost {verb}: option '--{name}' given twice");
            }

            list.Add(value);
        }

        return new ParsedOptions(verb, values, positional);
    }

    public string RenderHelp(string verb)
    {
        var text = new StringBuilder();
        text.Append("Usage: ").AppendLine(Usage).AppendLine().AppendLine(Description);
        if (_specs.Count > 0)
        {
            text.AppendLine().AppendLine("Options:");
            var width = _specs.Max(s => s.Name.Length + (s.ValueName?.Length + 1 ?? 0)) + 4;
            foreach (var spec in _specs)
            {
                var head = spec.ValueName is null ? $"--{spec.Name}" : $"--{spec.Name} {spec.ValueName}";
                var lines = spec.Description.Split('\n');
                text.Append("  ").Append(head.PadRight(width)).AppendLine(lines[0]);
                foreach (var more in lines.Skip(1))
                {
                    text.Append(' ', width + 2).AppendLine(more);
                }
            }

            text.Append("  ").Append("--help".PadRight(width)).AppendLine($"Show this help for 'roost {verb}'");
        }

        return text.ToString();
    }
}
