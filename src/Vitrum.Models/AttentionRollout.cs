// Attention rollout: Abnar & Zuidema, "Quantifying Attention Flow in Transformers" (ACL 2020), as ViT
// explanation code applies it (e.g. jacobgil/vit-explain): per block, average the heads, add the identity for
// the residual path, renormalize the rows, and multiply the blocks' matrices from the first to the last.
using Vitrum.Tensors;

namespace Vitrum.Models;

/// <summary>
/// Where a token model's prediction attends: the rolled-out attention of the class token (or of all tokens, without
/// one) to each patch. Shared by the families whose blocks attend over one sequence of patch tokens (ViT, TNT's
/// outer blocks), each of which supplies its blocks' attention probabilities.
/// </summary>
public static class AttentionRollout
{
    /// <summary>The <see cref="AttentionMap.Kind"/> of a rollout.</summary>
    public const string Kind = "rollout";

    /// <summary>The rollout matrix of image <paramref name="b"/>: prod over blocks (last first) of rownorm((mean_heads(A) + I) / 2).</summary>
    /// <param name="maps">one [B, H, N, N] tensor of attention probabilities per block, first block first</param>
    /// <returns>[N, N] row-major; row i says how much token i's final representation draws on each input token</returns>
    public static float[] Rollout(IReadOnlyList<Tensor> maps, int b)
    {
        if (maps.Count == 0) throw new ArgumentException("AttentionRollout: the model has no blocks");
        int batch = maps[0].Shape[0], heads = maps[0].Shape[1], n = maps[0].Shape[2];
        if (b < 0 || b >= batch) throw new ArgumentException($"AttentionRollout: image {b} of a batch of {batch}");
        var result = new float[n * n];
        for (int i = 0; i < n; i++) result[i * n + i] = 1;
        var a = new float[n * n];
        var next = new float[n * n];
        foreach (var map in maps)
        {
            if (map.Rank != 4 || map.Shape[0] != batch || map.Shape[1] != heads || map.Shape[2] != n || map.Shape[3] != n)
                throw new ArgumentException($"AttentionRollout: attention map {ShapeUtil.Format(map.Shape)} is not [{batch}, {heads}, {n}, {n}]");
            var p = map.Contiguous().AsSpan().Slice(b * heads * n * n, heads * n * n);
            Array.Clear(a);
            for (int h = 0; h < heads; h++)
                for (int k = 0; k < n * n; k++) a[k] += p[h * n * n + k] / heads;
            for (int i = 0; i < n; i++)
            {
                a[i * n + i] += 1;
                float sum = 0;
                for (int j = 0; j < n; j++) sum += a[i * n + j];
                for (int j = 0; j < n; j++) a[i * n + j] /= sum;
            }
            Array.Clear(next);
            for (int i = 0; i < n; i++)
                for (int k = 0; k < n; k++)
                {
                    float aik = a[i * n + k];
                    for (int j = 0; j < n; j++) next[i * n + j] += aik * result[k * n + j];
                }
            (result, next) = (next, result);
        }
        return result;
    }

    /// <summary>
    /// The patch heat map of image <paramref name="b"/>: the class token's row of the rollout over the patches, or the
    /// mean row without a class token, divided by its maximum.
    /// </summary>
    /// <param name="maps">one [B, H, N, N] tensor per block over the tokens [class token,] patches in row-major grid order</param>
    /// <param name="classToken">whether token 0 is a class token</param>
    /// <param name="gh">patch rows</param>
    /// <param name="gw">patch columns</param>
    public static AttentionMap PatchMap(IReadOnlyList<Tensor> maps, int b, bool classToken, int gh, int gw)
    {
        var r = Rollout(maps, b);
        int n = maps[0].Shape[2], prefix = classToken ? 1 : 0, patches = gh * gw;
        if (n != prefix + patches)
            throw new ArgumentException($"AttentionRollout: {n} tokens are not {(classToken ? "a class token and " : "")}{gh}x{gw} patches");
        var mask = new float[patches];
        for (int j = 0; j < patches; j++)
            if (classToken) mask[j] = r[prefix + j];
            else
            {
                for (int i = 0; i < n; i++) mask[j] += r[i * n + j];
                mask[j] /= n;
            }
        return AttentionMap.Scaled(mask, gh, gw, Kind, $"attention rollout over {maps.Count} blocks");
    }
}
