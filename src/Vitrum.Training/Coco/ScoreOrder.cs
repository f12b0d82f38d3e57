namespace Vitrum.Training.Coco;

/// <summary>
/// Detections from the highest score to the lowest, equal scores kept in their given order: COCOeval sorts with
/// numpy's stable <c>argsort(-scores, kind='mergesort')</c>, and which of two tied detections comes first changes
/// which one matches, so the tie order is part of the result.
/// </summary>
internal static class ScoreOrder
{
    public static int[] Descending(double[] scores)
    {
        var order = new int[scores.Length];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        Array.Sort(order, (a, b) =>
        {
            int byScore = scores[b].CompareTo(scores[a]);
            return byScore != 0 ? byScore : a.CompareTo(b);
        });
        return order;
    }
}
