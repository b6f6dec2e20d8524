using MathNet.Numerics.LinearAlgebra;

namespace Roost.Core.Overheads;

/// <summary>
/// Forward/backward stepwise selection of predictor columns by the t-test p-value of each coefficient, every candidate
/// model fitted by <see cref="RobustRegression"/> (robust stepwise regression, MOVE §3.3). Pure and deterministic.
/// </summary>
/// <remarks>
/// Each step, as MATLAB's <c>stepwisefit</c>: if some column outside the model has p &lt; enter in the model with it
/// added, add the one with the smallest p; otherwise, if some column in the model has p &gt; remove, drop the one
/// with the largest p; otherwise stop. For one added column the squared t-statistic is the partial F-statistic, so
/// the test is the partial F-test. Ties go to the lower column index. A column that would make the system singular
/// (constant, or a combination of columns in the model) never enters. The intercept is always in the model. The
/// selection also stops at the step cap or when a set of columns would repeat (a cycle, possible with robust weights).
/// </remarks>
internal static class StepwiseSelection
{
    /// <summary>The columns selected (ascending), their final fit, and the steps taken.</summary>
    public sealed record Result(IReadOnlyList<int> Selected, RegressionFit Fit, int Steps, bool StoppedEarly);

    /// <summary>
    /// Selects among the columns of <paramref name="predictors"/>, fitting robustly with <paramref name="robust"/> (least
    /// squares when null). Null when not even the intercept-only model can be fitted (fewer than two samples).
    /// </summary>
    public static Result? Select(Matrix<double> predictors, Vector<double> y, RobustRegressionOptions? robust, StepwiseOptions stepwise)
    {
        ArgumentNullException.ThrowIfNull(predictors);
        ArgumentNullException.ThrowIfNull(stepwise);
        var selected = new List<int>();
        if (Fit(predictors, y, selected, robust) is not { } current)
        {
            return null;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal) { Key(selected) };
        var steps = 0;
        while (true)
        {
            if (steps == stepwise.MaxSteps)
            {
                return new Result(selected.ToArray(), current, steps, StoppedEarly: true);
            }

            var (enter, enterFit, enterP) = BestEntry(predictors, y, selected, robust);
            if (enter >= 0 && enterP < stepwise.EnterPValue && enterFit is not null)
            {
                var next = Sorted(selected.Append(enter));
                if (!seen.Add(Key(next)))
                {
                    return new Result(selected.ToArray(), current, steps, StoppedEarly: true);
                }

                selected = next;
                current = enterFit;
                steps++;
                continue;
            }

            var (leave, leaveP) = WorstMember(selected, current);
            if (leave >= 0 && leaveP > stepwise.RemovePValue)
            {
                var next = selected.Where(c => c != leave).ToList();
                if (!seen.Add(Key(next)) || Fit(predictors, y, next, robust) is not { } reduced)
                {
                    return new Result(selected.ToArray(), current, steps, StoppedEarly: true);
                }

                selected = next;
                current = reduced;
                steps++;
                continue;
            }

            return new Result(selected.ToArray(), current, steps, StoppedEarly: false);
        }
    }

    /// <summary>Fits <paramref name="y"/> on the given columns; robust when <paramref name="robust"/> is set, else least squares.</summary>
    public static RegressionFit? Fit(Matrix<double> predictors, Vector<double> y, IReadOnlyList<int> columns, RobustRegressionOptions? robust)
    {
        ArgumentNullException.ThrowIfNull(predictors);
        ArgumentNullException.ThrowIfNull(columns);
        var chosen = Matrix<double>.Build.Dense(predictors.RowCount, columns.Count, (i, j) => predictors[i, columns[j]]);
        return robust is null
            ? RobustRegression.TryLeastSquares(chosen, y, out var plain) ? plain : null
            : RobustRegression.TryFit(chosen, y, robust, out var fit) ? fit : null;
    }

    private static (int Column, RegressionFit? Fit, double PValue) BestEntry(
        Matrix<double> predictors, Vector<double> y, List<int> selected, RobustRegressionOptions? robust)
    {
        var best = (Column: -1, Fit: (RegressionFit?)null, PValue: double.PositiveInfinity);
        for (var column = 0; column < predictors.ColumnCount; column++)
        {
            if (selected.Contains(column))
            {
                continue;
            }

            var candidate = Sorted(selected.Append(column));
            if (Fit(predictors, y, candidate, robust) is not { } fit)
            {
                continue;
            }

            // Coefficient index of the candidate: 1 + its position among the sorted columns.
            var p = fit.PValues[1 + candidate.IndexOf(column)];
            if (p < best.PValue)
            {
                best = (column, fit, p);
            }
        }

        return best;
    }

    private static (int Column, double PValue) WorstMember(List<int> selected, RegressionFit current)
    {
        var worst = (Column: -1, PValue: double.NegativeInfinity);
        for (var k = 0; k < selected.Count; k++)
        {
            var p = current.PValues[1 + k];
            if (p > worst.PValue)
            {
                worst = (selected[k], p);
            }
        }

        return worst;
    }

    private static List<int> Sorted(IEnumerable<int> columns)
    {
        var list = columns.ToList();
        list.Sort();
        return list;
    }

    private static string Key(IReadOnlyList<int> columns) => string.Join(',', columns);
}
