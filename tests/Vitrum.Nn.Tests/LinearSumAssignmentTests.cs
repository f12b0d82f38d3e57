using System.Text.Json;
using Xunit;

namespace Vitrum.Nn.Tests;

/// <summary>
/// The assignment solver against scipy's linear_sum_assignment (tests/fixtures/matching/lsap.json, made by
/// tools/fixtures/gen_matching.py), against brute force on small matrices and against random assignments.
/// </summary>
public class LinearSumAssignmentTests
{
    private sealed record LsapCase(string Name, int Rows, int Cols, double[] Cost, int[] RowInd, int[] ColInd, double Total, bool Unique)
    {
        public override string ToString() => Name;
    }

    private static readonly Lazy<LsapCase[]> Scipy = new(() =>
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "matching", "lsap.json")));
        return doc.RootElement.GetProperty("cases").EnumerateArray().Select(e => new LsapCase(
            e.GetProperty("name").GetString()!, e.GetProperty("rows").GetInt32(), e.GetProperty("cols").GetInt32(),
            e.GetProperty("cost").EnumerateArray().Select(v => v.GetDouble()).ToArray(),
            e.GetProperty("row_ind").EnumerateArray().Select(v => v.GetInt32()).ToArray(),
            e.GetProperty("col_ind").EnumerateArray().Select(v => v.GetInt32()).ToArray(),
            e.GetProperty("total").GetDouble(), e.GetProperty("unique").GetBoolean())).ToArray();
    });

    private static LsapCase Case(string name) => Scipy.Value.Single(c => c.Name == name);

    public static TheoryData<string> AllCases() => new(Scipy.Value.Select(c => c.Name));
    public static TheoryData<string> UniqueCases() => new(Scipy.Value.Where(c => c.Unique).Select(c => c.Name));
    public static TheoryData<string> TiedCases() => new(Scipy.Value.Where(c => !c.Unique).Select(c => c.Name));

    /// <summary>Checks that the pairs form an assignment of min(rows, cols) cells, rows ascending, and returns its total.</summary>
    private static double CheckedTotal(double[] cost, int rows, int cols, (int[] Rows, int[] Cols) a)
    {
        Assert.Equal(Math.Min(rows, cols), a.Rows.Length);
        Assert.Equal(a.Rows.Length, a.Cols.Length);
        Assert.Equal(a.Rows.Length, a.Cols.Distinct().Count());
        for (int k = 0; k < a.Rows.Length; k++)
        {
            Assert.InRange(a.Rows[k], 0, rows - 1);
            Assert.InRange(a.Cols[k], 0, cols - 1);
            if (k > 0) Assert.True(a.Rows[k] > a.Rows[k - 1], $"row indices not ascending: {string.Join(", ", a.Rows)}");
        }
        double total = 0;
        for (int k = 0; k < a.Rows.Length; k++) total += cost[a.Rows[k] * cols + a.Cols[k]];
        return total;
    }

    private static void AssertSameTotal(double expected, double actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-9 * Math.Max(1.0, Math.Abs(expected)), $"{what}: total {actual}, expected {expected}");

    [Theory]
    [MemberData(nameof(AllCases))]
    public void Total_cost_matches_scipy(string name)
    {
        var c = Case(name);
        var total = CheckedTotal(c.Cost, c.Rows, c.Cols, LinearSumAssignment.Solve(c.Cost, c.Rows, c.Cols));
        AssertSameTotal(c.Total, total, name);
    }

    [Theory]
    [MemberData(nameof(UniqueCases))]
    public void Assignment_equals_scipys_where_the_optimum_is_unique(string name)
    {
        var c = Case(name);
        var (rows, cols) = LinearSumAssignment.Solve(c.Cost, c.Rows, c.Cols);
        Assert.Equal(c.RowInd, rows);
        Assert.Equal(c.ColInd, cols);
    }

    /// <summary>The solver follows scipy's algorithm and its preferences, so DETR's matches agree even on equal costs.</summary>
    [Theory]
    [MemberData(nameof(TiedCases))]
    public void Ties_are_resolved_as_scipy_resolves_them(string name)
    {
        var c = Case(name);
        var (rows, cols) = LinearSumAssignment.Solve(c.Cost, c.Rows, c.Cols);
        Assert.Equal(c.RowInd, rows);
        Assert.Equal(c.ColInd, cols);
    }

    /// <summary>The least total over every way to give each row of the smaller side its own cell.</summary>
    private static double BruteForce(double[] cost, int rows, int cols)
    {
        bool tall = rows > cols;
        int n = Math.Min(rows, cols), m = Math.Max(rows, cols);
        var used = new bool[m];
        double best = double.PositiveInfinity;
        void Extend(int k, double sum)
        {
            if (k == n) { best = Math.Min(best, sum); return; }
            for (int j = 0; j < m; j++)
            {
                if (used[j]) continue;
                used[j] = true;
                Extend(k + 1, sum + (tall ? cost[j * cols + k] : cost[k * cols + j]));
                used[j] = false;
            }
        }
        Extend(0, 0);
        return n == 0 ? 0 : best;
    }

    [Fact]
    public void Total_equals_brute_force_on_every_shape_up_to_seven_by_seven()
    {
        var random = new Random(16);
        for (int rows = 1; rows <= 7; rows++)
            for (int cols = 1; cols <= 7; cols++)
                for (int trial = 0; trial < 3; trial++)
                {
                    // Trial 0 draws small integers, so equal costs and equally good assignments are common.
                    var cost = Enumerable.Range(0, rows * cols)
                        .Select(_ => trial == 0 ? random.Next(3) : Math.Round(random.NextDouble() * 20 - 10, 3)).ToArray();
                    var total = CheckedTotal(cost, rows, cols, LinearSumAssignment.Solve(cost, rows, cols));
                    AssertSameTotal(BruteForce(cost, rows, cols), total, $"[{rows}, {cols}] trial {trial}");
                }
    }

    [Theory]
    [InlineData(50, 50)]
    [InlineData(20, 100)]
    [InlineData(100, 20)]
    public void Total_is_no_more_than_any_random_assignment(int rows, int cols)
    {
        var random = new Random(rows * 1000 + cols);
        var cost = Enumerable.Range(0, rows * cols).Select(_ => random.NextDouble() * 10 - 2).ToArray();
        var total = CheckedTotal(cost, rows, cols, LinearSumAssignment.Solve(cost, rows, cols));
        int n = Math.Min(rows, cols), m = Math.Max(rows, cols);
        for (int trial = 0; trial < 500; trial++)
        {
            var pick = Enumerable.Range(0, m).OrderBy(_ => random.Next()).Take(n).ToArray();
            double other = 0;
            for (int k = 0; k < n; k++) other += rows <= cols ? cost[k * cols + pick[k]] : cost[pick[k] * cols + k];
            Assert.True(total <= other + 1e-9, $"trial {trial}: random assignment costs {other}, the solver's {total}");
        }
    }

    [Fact]
    public void Two_dimensional_array_overload_solves_the_same_matrix()
    {
        var c = Case("tall_7x3");
        var matrix = new double[c.Rows, c.Cols];
        for (int r = 0; r < c.Rows; r++)
            for (int q = 0; q < c.Cols; q++) matrix[r, q] = c.Cost[r * c.Cols + q];
        var (rows, cols) = LinearSumAssignment.Solve(matrix);
        Assert.Equal(c.RowInd, rows);
        Assert.Equal(c.ColInd, cols);
        Assert.Empty(LinearSumAssignment.Solve(new double[0, 4]).RowIndices);
        Assert.Empty(LinearSumAssignment.Solve(new double[4, 0]).ColIndices);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void Non_finite_costs_are_rejected_naming_the_cell(double bad)
    {
        var cost = new double[] { 1, 2, 3, 4, 5, 6 };
        cost[5] = bad;
        var e = Assert.Throws<ArgumentException>(() => LinearSumAssignment.Solve(cost, 2, 3));
        Assert.Contains($"cost[1, 2] of the [2, 3] cost matrix is {bad}; every cost must be finite", e.Message);
    }

    [Fact]
    public void Cost_length_must_match_the_shape()
    {
        var e = Assert.Throws<ArgumentException>(() => LinearSumAssignment.Solve(new double[5], 2, 3));
        Assert.Contains("a [2, 3] cost matrix needs 6 costs, got 5", e.Message);
        Assert.Throws<ArgumentException>(() => LinearSumAssignment.Solve(Array.Empty<double>(), -1, 0));
    }
}
