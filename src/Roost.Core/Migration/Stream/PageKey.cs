namespace Roost.Core.Migration.Stream;

/// <summary>One guest page of a migration stream: its RAM block (numbered in order of first appearance) and page number in it.</summary>
public readonly record struct PageKey(int Block, long Page);
