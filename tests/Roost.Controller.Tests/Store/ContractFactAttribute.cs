using Xunit.Sdk;

namespace Roost.Controller.Tests.Store;

/// <summary>
/// A fact of an abstract contract-test class: each implementation's class runs it, and a class marked
/// <see cref="RequiresPostgresAttribute"/> reports it skipped (with the reason) when PostgreSQL is absent.
/// </summary>
[XunitTestCaseDiscoverer("Roost.Controller.Tests.Store.ContractFactDiscoverer", "Roost.Controller.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class ContractFactAttribute : FactAttribute;
