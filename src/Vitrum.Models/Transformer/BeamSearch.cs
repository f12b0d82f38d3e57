// Beam search for the Transformer (Vaswani et al., 2017) with GNMT's length penalty (Wu et al., 2016); fairseq-style bookkeeping.
namespace Vitrum.Models.Transformer;

/// <summary>
/// The bookkeeping of <see cref="TransformerDecoding.Beam"/> for N sources x K beams = B stepper rows (row n * K + k).
/// Each step ranks the 2K best extensions of a source's live beams; eos among the top K finishes a hypothesis,
/// the best K others continue (fairseq's scheme, so K finished hypotheses never starve the live ones).
/// </summary>
internal sealed class BeamSearch
{
    private readonly DecodingStepper _stepper;
    private readonly int _vocab, _sources, _k;
    private readonly long _bos, _eos;
    private readonly float _alpha;
    private readonly List<(long[] Tokens, double Score)>[] _finished;

    public BeamSearch(DecodingStepper stepper, int vocab, int sources, int k, long bos, long eos, float alpha)
    {
        (_stepper, _vocab, _sources, _k, _bos, _eos, _alpha) = (stepper, vocab, sources, k, bos, eos, alpha);
        _finished = Enumerable.Range(0, sources).Select(_ => new List<(long[], double)>()).ToArray();
    }

    /// <summary>GNMT's length penalty ((5 + L) / 6)^alpha.</summary>
    private double Penalty(int length) => Math.Pow((5.0 + length) / 6.0, _alpha);

    public long[][] Run(int maxLen)
    {
        int rows = _sources * _k;
        var scores = new double[rows];
        for (int r = 0; r < rows; r++) scores[r] = r % _k == 0 ? 0 : double.NegativeInfinity;    // one live beam at the start
        var history = new long[rows][];
        for (int r = 0; r < rows; r++) history[r] = [];
        var tokens = Enumerable.Repeat(_bos, rows).ToArray();
        var done = new bool[_sources];
        var parents = new int[rows];
        var nextTokens = new long[rows];
        var nextScores = new double[rows];
        var cand = new (double Score, int Row, int Token)[2 * _k];
        for (int step = 0; step < maxLen && done.Contains(false); step++)
        {
            var logp = _stepper.Step(tokens);
            bool last = step == maxLen - 1;
            for (int n = 0; n < _sources; n++)
            {
                int baseRow = n * _k;
                if (done[n])
                {
                    for (int k = 0; k < _k; k++) (parents[baseRow + k], nextTokens[baseRow + k], nextScores[baseRow + k]) = (baseRow + k, _eos, double.NegativeInfinity);
                    continue;
                }
                int count = TopCandidates(logp, scores, baseRow, cand);
                int live = 0;
                for (int i = 0; i < count && live < _k; i++)
                {
                    var (score, row, token) = cand[i];
                    if (token == _eos)
                    {
                        if (i < _k) _finished[n].Add((history[row], score / Penalty(step + 1)));
                        continue;
                    }
                    (parents[baseRow + live], nextTokens[baseRow + live], nextScores[baseRow + live]) = (row, token, score);
                    live++;
                }
                for (; live < _k; live++) (parents[baseRow + live], nextTokens[baseRow + live], nextScores[baseRow + live]) = (baseRow, _eos, double.NegativeInfinity);
                if (last)
                    for (int k = 0; k < _k; k++)
                        if (!double.IsNegativeInfinity(nextScores[baseRow + k]))
                            _finished[n].Add(([.. history[parents[baseRow + k]], nextTokens[baseRow + k]], nextScores[baseRow + k] / Penalty(step + 1)));
                if (_finished[n].Count >= _k) done[n] = true;
            }
            var nextHistory = new long[rows][];
            for (int r = 0; r < rows; r++)
                nextHistory[r] = double.IsNegativeInfinity(nextScores[r]) ? history[parents[r]] : [.. history[parents[r]], nextTokens[r]];
            (history, scores) = (nextHistory, (double[])nextScores.Clone());
            Array.Copy(nextTokens, tokens, rows);
            _stepper.Reorder(parents);
        }
        return _finished.Select(f => f.Count == 0 ? [] : f.MaxBy(h => h.Score).Tokens).ToArray();
    }

    /// <summary>The best (score, row, token) extensions of a source's live beams, best first (ties: lower row, then lower token).</summary>
    private int TopCandidates(ReadOnlySpan<float> logp, double[] scores, int baseRow, (double Score, int Row, int Token)[] cand)
    {
        int count = 0;
        for (int k = 0; k < _k; k++)
        {
            int row = baseRow + k;
            if (double.IsNegativeInfinity(scores[row])) continue;
            var lp = logp.Slice(row * _vocab, _vocab);
            for (int t = 0; t < _vocab; t++)
            {
                double s = scores[row] + lp[t];
                if (count == cand.Length && s <= cand[count - 1].Score) continue;
                int i = count < cand.Length ? count++ : count - 1;
                while (i > 0 && cand[i - 1].Score < s) { cand[i] = cand[i - 1]; i--; }
                cand[i] = (s, row, t);
            }
        }
        return count;
    }
}
