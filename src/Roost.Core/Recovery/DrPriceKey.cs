namespace Roost.Core.Recovery;

/// <summary>One settable price of <see cref="DrPrices"/>: its name on the command line, its unit, and how to read and set it.</summary>
public sealed record DrPriceKey(string Key, string Unit, Func<DrPrices, double> Get, Func<DrPrices, double, DrPrices> With);
