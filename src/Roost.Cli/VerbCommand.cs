using System.CommandLine;

namespace Roost.Cli;

/// <summary>
/// One <see cref="ICommand"/> as a System.CommandLine <see cref="Command"/>: each <see cref="OptionSpec"/> becomes an
/// option (a flag, one value, or a value per occurrence when repeatable), the verb's words (<c>fit</c>, <c>wan up</c>,
/// a scenario file) one argument, and the parse result the <see cref="ParsedOptions"/> the verb reads. Parsing, help
/// and completion are System.CommandLine's; what the values mean stays the verb's.
/// </summary>
internal static class VerbCommand
{
    public static Command Build(ICommand verb)
    {
        ArgumentNullException.ThrowIfNull(verb);
        var set = verb.Options;
        var command = new Command(verb.Name, verb.Summary);
        var options = new List<(OptionSpec Spec, Option Option)>();
        foreach (var spec in set.Specs)
        {
            var description = spec.Description.Replace('\n', ' ');
            Option option = spec switch
            {
                { ValueName: null } => new Option<bool>("--" + spec.Name) { Description = description, Arity = ArgumentArity.Zero },
                { Repeatable: true } => new Option<string[]>("--" + spec.Name) { Description = description, HelpName = spec.ValueName, Arity = ArgumentArity.OneOrMore },
                _ => new Option<string>("--" + spec.Name) { Description = description, HelpName = spec.ValueName },
            };
            command.Options.Add(option);
            options.Add((spec, option));
        }

        // The verb's words; a verb that takes none still gets them, hidden, so that it refuses them in its own words.
        var words = new Argument<string[]>(set.ArgumentsName ?? "ARGS")
        {
            Arity = ArgumentArity.ZeroOrMore,
            Hidden = set.ArgumentsName is null,
            HelpName = set.ArgumentsName,
            Description = set.ArgumentsName is null ? null : "See Usage",
        };
        if (set.ArgumentWords.Count > 0)
        {
            words.CompletionSources.Add(set.ArgumentWords.ToArray());
        }

        command.Arguments.Add(words);
        command.SetAction((result, cancellationToken) => verb.RunAsync(Parse(verb.Name, result, options, words), cancellationToken));
        return command;
    }

    /// <summary>What <c>roost VERB --help</c> adds below System.CommandLine's sections: the verb's forms and what it does.</summary>
    public static string Details(ICommand verb)
    {
        ArgumentNullException.ThrowIfNull(verb);
        var lines = $"{verb.Options.Usage}\n\n{verb.Options.Description}".Split('\n');
        return "Details:\n" + string.Join('\n', lines.Select(line => line.Length == 0 ? "" : "  " + line.TrimStart())) + "\n";
    }

    /// <summary>The option's name as typed, without a <c>=value</c> given with it.</summary>
    public static string OptionName(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        var equals = token.IndexOf('=', StringComparison.Ordinal);
        return equals > 0 ? token[..equals] : token;
    }

    private static ParsedOptions Parse(string verb, ParseResult result, List<(OptionSpec Spec, Option Option)> options, Argument<string[]> words)
    {
        var values = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (spec, option) in options)
        {
            if (result.GetResult(option) is not { Implicit: false } given)
            {
                continue;
            }

            if (!spec.Repeatable && given.IdentifierTokenCount > 1)
            {
                throw new UsageException($"roost {verb}: option '{option.Name}' given twice (see 'roost {verb} --help')");
            }

            values[spec.Name] = option switch
            {
                Option<bool> => ["true"],
                Option<string[]> many => [.. result.GetValue(many) ?? []],
                Option<string> one => [result.GetValue(one) ?? ""],
                _ => throw new InvalidOperationException($"option {option.Name} has no reader"),
            };
        }

        var positional = result.GetValue(words) ?? [];
        // Every word the verb gets was not an option: System.CommandLine hands a verb's argument any word it does not
        // know, '--bogus' included, so that one is caught here.
        if (positional.FirstOrDefault(w => w.StartsWith("--", StringComparison.Ordinal) && w != "--") is { } stray)
        {
            throw new UsageException($"roost {verb}: unknown option '{OptionName(stray)}' (see 'roost {verb} --help')");
        }

        return new ParsedOptions(verb, values, positional);
    }
}
