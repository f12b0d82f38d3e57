// Attention rollout: Abnar & Zuidema, "Quantifying Attention Flow in Transformers" (ACL 2020), as ViT
// explanation code applies it (e.g. jacobgil/vit-explain): per block, average the heads, add the identity for
// the residual path, renormalize the rows, and multiply the blocks' matrices from the first to the last.
using Vitrum.Tensors;
using Vitrum.Tensors.Autograd;

namespace Vitrum.Models.Vit;

/// <summary>Where a ViT's prediction attends: the rolled-out attention of the class token (or of all tokens, without one) to each patch.</summary>
public static class AttentionRollout
{
    /// <summary>Each block's attention probabilities (the unfused path), running the model once.</summary>
    /// <param name="images">[B, in_chans, H, W]</param>
    /// <returns>one [B, H, N, N] tensor per block</returns>
    public static List<Tensor> AttentionMaps(VisionTransformer vit, Tensor images, out int gh, out int gw)
    {
        using var _ = GradMode.NoGrad();
        var x = vit.Tokens(images, out gh, out gw);
        var maps = new List<Tensor>();
        foreach (var blk in vit.Blocks)
        {
            maps.Add(blk.Attn.Probabilities(blk.Norm1.Forward(x)));
            x = blk.Forward(x);
        }
        return maps;
    }

    /// <summary>The rollout matrix of image <paramref name="b"/>: prod over blocks (last first) of rownorm((mean_heads(A) + I) / 2).</summary>
    /// <returns>[N, N] row-major; row i says how much token i's final representation draws on each input token</returns>
    public static float[] Rollout(IReadOnlyList<Tensor> maps, int b)
    {
        if (maps.Count == 0) throw new ArgumentException("AttentionRollout: the model has no blocks");
        int heads = maps[0].Shape[1], n = maps[0].Shape[2];
        var result = new float[n * n];
        for (int i = 0; i < n; i++) result[i * n + i] = 1;
        var a = new float[n * n];
        var next = new float[n * n];
        foreach (var map in maps)
        {
            if (map.Rank != 4 || map.Shape[1] != heads || map.Shape[2] != n || map.Shape[3] != n)
                throw new ArgumentException($"AttentionRollout: attention map {ShapeUtil.Format(map.Shape)} is not [B, {heads}, {n}, {n}]");
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

    /// <summary>The patch heat map [gh * gw] in [0, 1] (divided by its maximum): the class token's row without itself, or the mean row without a class token.</summary>
    /// <param name="images">[B, in_chans, H, W]; the map is for image <paramref name="b"/></param>
    public static float[] PatchMap(VisionTransformer vit, Tensor images, int b, out int gh, out int gw)
    {
        var maps = AttentionMaps(vit, images, out gh, out gw);
        var r = Rollout(maps, b);
        foreach (var m in maps) m.Dispose();
        int n = (int)Math.Round(Math.Sqrt(r.Length)), prefix = vit.Config.ClassToken ? 1 : 0, patches = gh * gw;
        var mask = new float[patches];
        for (int j = 0; j < patches; j++)
            if (prefix == 1) mask[j] = r[prefix + j];
            else
            {
                for (int i = 0; i < n; i++) mask[j] += r[i * n + j];
                mask[j] /= n;
            }
        float max = mask.Max();
        if (max > 0) for (int j = 0; j < patches; j++) mask[j] /= max;
        return mask;
    }
}
