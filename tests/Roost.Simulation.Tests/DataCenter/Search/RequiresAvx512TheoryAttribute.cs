using Roost.Simulation.DataCenter.Search;

namespace Roost.Simulation.Tests.DataCenter.Search;

/// <summary>A theory the runner reports as skipped, with the reason, on a processor without AVX-512.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class RequiresAvx512TheoryAttribute : TheoryAttribute
{
    public RequiresAvx512TheoryAttribute()
    {
        if (!LeafKernel.IsVectorized)
        {
            Skip = "SKIPPED: this processor has no AVX-512 (F and DQ), so the vector kernel cannot run; the scalar one is in use.";
        }
    }
}
