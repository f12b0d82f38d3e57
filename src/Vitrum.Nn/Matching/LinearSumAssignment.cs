namespace Vitrum.Nn;

/// <summary>
/// The linear sum assignment problem (scipy.optimize.linear_sum_assignment): pick min(rows, cols) cells of a cost
/// matrix, at most one per row and one per column, with the least total cost. Solved by shortest augmenting paths
/// (Jonker and Volgenant 1987, in the rectangular form of Crouse 2016, "On implementing 2D rectangular assignment
/// algorithms"), O(n^2 m) for n = min(rows, cols) and m = max(rows, cols). This is the algorithm scipy runs, with
/// the same order of visiting columns and the same preference among equally short paths, so equal costs are
/// resolved as scipy resolves them: DETR's Hungarian matcher gets scipy's indices, ties included.
/// </summary>
public static class LinearSumAssignment
{
    /// <summary>The optimal assignment of a row-major [rows, cols] cost matrix.</summary>
    /// <param name="cost">rows * cols finite costs, row-major</param>
    /// <returns>
    /// min(rows, cols) pairs (RowIndices[k], ColIndices[k]) with the row indices ascending, as scipy returns them;
    /// empty when either dimension is 0.
    /// </returns>
    /// <exception cref="ArgumentException">a negative dimension, a length that is not rows * cols, or a cost that is
    /// NaN or infinite (scipy rejects NaN and -inf, and calls a matrix infeasible when +inf leaves no assignment)</exception>
    public static (int[] RowIndices, int[] ColIndices) Solve(ReadOnlySpan<double> cost, int rows, int cols)
    {
        if (rows < 0 || cols < 0 || (long)rows * cols != cost.Length)
            throw new ArgumentException($"LinearSumAssignment: a [{rows}, {cols}] cost matrix needs {(long)rows * cols} costs, got {cost.Length}");
        for (int k = 0; k < cost.Length; k++)
            if (!double.IsFinite(cost[k]))
                throw new ArgumentException(
                    $"LinearSumAssignment: cost[{k / cols}, {k % cols}] of the [{rows}, {cols}] cost matrix is {cost[k]}; every cost must be finite");
        if (rows == 0 || cols == 0) return (Array.Empty<int>(), Array.Empty<int>());

        // The solver assigns every row of a matrix with no more rows than columns; a tall matrix is solved transposed.
        bool transpose = cols < rows;
        int n = Math.Min(rows, cols), m = Math.Max(rows, cols);
        var c = new double[n * m];
        for (int r = 0; r < rows; r++)
            for (int q = 0; q < cols; q++)
                c[transpose ? q * m + r : r * m + q] = cost[r * cols + q];
        var colOfRow = new AugmentingPaths(c, n, m).Solve();

        var identity = new int[n];
        for (int k = 0; k < n; k++) identity[k] = k;
        if (!transpose) return (identity, colOfRow);
        // Solved row k is original column k, matched to original row colOfRow[k]: list the pairs by original row.
        Array.Sort(colOfRow, identity);
        return (colOfRow, identity);
    }

    /// <summary>The optimal assignment of a [rows, cols] cost matrix; see <see cref="Solve(ReadOnlySpan{double}, int, int)"/>.</summary>
    public static (int[] RowIndices, int[] ColIndices) Solve(double[,] cost)
    {
        var flat = new double[cost.Length];
        int cols = cost.GetLength(1);
        for (int r = 0; r < cost.GetLength(0); r++)
            for (int q = 0; q < cols; q++) flat[r * cols + q] = cost[r, q];
        return Solve(flat, cost.GetLength(0), cols);
    }

    /// <summary>
    /// The solver's state for an [n, m] matrix with n &lt;= m. Row potentials u and column potentials v keep every
    /// reduced cost c[i, j] - u[i] - v[j] non-negative and the assigned cells at zero; each new row is assigned by a
    /// Dijkstra search over reduced costs to the nearest free column, then the path is flipped and the potentials
    /// updated so the invariant holds again.
    /// </summary>
    private sealed class AugmentingPaths(double[] c, int n, int m)
    {
        private readonly double[] _u = new double[n], _v = new double[m], _dist = new double[m];
        private readonly int[] _colOfRow = Filled(n, -1), _rowOfCol = Filled(m, -1), _pathRow = new int[m], _unvisited = new int[m];
        private readonly bool[] _rowVisited = new bool[n], _colVisited = new bool[m];

        /// <returns>the column assigned to each row</returns>
        public int[] Solve()
        {
            for (int row = 0; row < n; row++)
            {
                var (sink, reached) = ShortestPath(row);
                _u[row] += reached;
                for (int i = 0; i < n; i++)
                    if (_rowVisited[i] && i != row) _u[i] += reached - _dist[_colOfRow[i]];
                for (int j = 0; j < m; j++)
                    if (_colVisited[j]) _v[j] -= reached - _dist[j];
                // Flip the path: every column on it takes the row it was reached from.
                for (int j = sink; ;)
                {
                    int i = _pathRow[j];
                    _rowOfCol[j] = i;
                    (_colOfRow[i], j) = (j, _colOfRow[i]);
                    if (i == row) break;
                }
            }
            return _colOfRow;
        }

        /// <summary>
        /// Dijkstra from the free row <paramref name="start"/> until a free column is reached: returns that column and
        /// its distance. Columns are scanned from the last to the first and a visited column is replaced by the last
        /// unvisited one; among equally near columns a free one wins, which ends the search early (scipy's rules).
        /// </summary>
        private (int Sink, double Reached) ShortestPath(int start)
        {
            Array.Fill(_dist, double.PositiveInfinity);
            Array.Clear(_rowVisited);
            Array.Clear(_colVisited);
            int left = m;
            for (int k = 0; k < m; k++) _unvisited[k] = m - 1 - k;
            double reached = 0;
            for (int i = start; ;)
            {
                _rowVisited[i] = true;
                int nearest = -1;
                double lowest = double.PositiveInfinity;
                for (int k = 0; k < left; k++)
                {
                    int j = _unvisited[k];
                    double d = reached + c[i * m + j] - _u[i] - _v[j];
                    if (d < _dist[j]) (_dist[j], _pathRow[j]) = (d, i);
                    if (_dist[j] < lowest || (_dist[j] == lowest && _rowOfCol[j] < 0)) (lowest, nearest) = (_dist[j], k);
                }
                if (nearest < 0)
                    throw new ArgumentException($"LinearSumAssignment: the reduced costs overflowed on the [{n}, {m}] cost matrix; costs must stay well inside the double range");
                reached = lowest;
                int col = _unvisited[nearest];
                _colVisited[col] = true;
                _unvisited[nearest] = _unvisited[--left];
                if (_rowOfCol[col] < 0) return (col, reached);
                i = _rowOfCol[col];
            }
        }

        private static int[] Filled(int length, int value)
        {
            var a = new int[length];
            Array.Fill(a, value);
            return a;
        }
    }
}
