using System.Reflection;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Roost.Controller.Tests.Store;

/// <summary>Discovers <see cref="ContractFactAttribute"/> tests: skipped with a reason when the class's component is absent.</summary>
public sealed class ContractFactDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
{
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute)
    {
        ArgumentNullException.ThrowIfNull(testMethod);
        var display = discoveryOptions.MethodDisplayOrDefault();
        var options = discoveryOptions.MethodDisplayOptionsOrDefault();
        var needsPostgres = testMethod.TestClass.Class.ToRuntimeType().GetCustomAttribute<RequiresPostgresAttribute>() is not null;
        return needsPostgres && PostgresEnvironment.SkipReason is { } reason
            ? [new SkippedTestCase(diagnosticMessageSink, display, options, testMethod, reason)]
            : [new XunitTestCase(diagnosticMessageSink, display, options, testMethod)];
    }
}
