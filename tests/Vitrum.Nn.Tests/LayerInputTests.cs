using Vitrum.Tensors;
using Xunit;

namespace Vitrum.Nn.Tests;

/// <summary>Bad inputs to the layers: an ArgumentException that names the layer and the shapes involved.</summary>
public class LayerInputTests
{
    private static void Rejects(Action forward, params string[] parts)
    {
        var e = Assert.Throws<ArgumentException>(forward);
        foreach (var p in parts) Assert.Contains(p, e.Message);
    }

    [Fact]
    public void Conv2d_rejects_input_with_wrong_channel_count()
    {
        Rejects(() => new Conv2d(4, 6, 3).Forward(Tensor.Zeros(2, 3, 5, 5)), "Conv2d", "[2, 3, 5, 5]", "[6, 4, 3, 3]");
        Rejects(() => new Conv2d(4, 6, 3, groups: 2).Forward(Tensor.Zeros(1, 2, 5, 5)), "Conv2d", "[1, 2, 5, 5]", "groups 2");
    }

    [Fact]
    public void Batch_norm_rejects_wrong_channels_and_rank_and_leaves_its_counter()
    {
        var bn = new BatchNorm2d(3);
        Rejects(() => bn.Forward(Tensor.Zeros(2, 4, 3, 3)), "BatchNorm2d", "[2, 4, 3, 3]", "4 channels, expected 3");
        Rejects(() => bn.Forward(Tensor.Zeros(2, 3, 3)), "BatchNorm2d", "4-D", "[2, 3, 3]");
        Assert.Equal(0, bn.NumBatchesTracked);
        bn.Forward(Tensor.Ones(2, 3, 2, 2));
        Assert.Equal(1, bn.NumBatchesTracked);
        Rejects(() => new FrozenBatchNorm2d(3).Forward(Tensor.Zeros(1, 5, 2, 2)), "FrozenBatchNorm2d", "[1, 5, 2, 2]", "5 channels, expected 3");
    }

    [Fact]
    public void Batch_norm_counts_only_training_batches()
    {
        var bn = new BatchNorm2d(2);
        bn.Forward(Tensor.Ones(2, 2, 2, 2));
        bn.Eval();
        bn.Forward(Tensor.Ones(2, 2, 2, 2));
        Assert.Equal(1, bn.NumBatchesTracked);
    }

    [Fact]
    public void Layer_norm_and_layer_scale_reject_wrong_feature_count()
    {
        Rejects(() => new LayerNorm(5).Forward(Tensor.Zeros(2, 3, 4)), "LayerNorm", "[5]", "[2, 3, 4]");
        Rejects(() => new LayerScale(6).Forward(Tensor.Zeros(2, 5)), "LayerScale", "[2, 5]", "6 features");
    }

    [Fact]
    public void Embedding_rejects_float_ids_and_ids_outside_the_table()
    {
        var emb = new Embedding(10, 4);
        Rejects(() => emb.Forward(Tensor.Zeros(2, 3)), "Embedding", "Int64", "[2, 3]");
        Rejects(() => emb.Forward(Tensor.FromLongs(new long[] { 1, 10 }, 2)), "Embedding", "id 10", "[10, 4]");
    }

    [Fact]
    public void Mlp_rejects_input_with_wrong_feature_count()
    {
        Rejects(() => new Mlp(6, 12).Forward(Tensor.Zeros(2, 3, 5)), "Mlp", "[2, 3, 5]", "6 features");
    }

    [Fact]
    public void Attention_rejects_input_that_is_not_batch_tokens_channels()
    {
        var attn = new Attention(8, 2);
        Rejects(() => attn.Forward(Tensor.Zeros(2, 5, 6)), "Attention", "[2, 5, 6]", "[B, N, 8]");
        Rejects(() => attn.Forward(Tensor.Zeros(5, 8)), "Attention", "[5, 8]");
        Rejects(() => attn.Probabilities(Tensor.Zeros(1, 5, 4)), "Attention", "[1, 5, 4]");
    }

    [Fact]
    public void Multihead_attention_rejects_wrong_embed_dim_and_mismatched_key_value()
    {
        var mha = new MultiheadAttention(8, 2);
        Rejects(() => mha.Forward(Tensor.Zeros(4, 2, 6), Tensor.Zeros(5, 2, 8), Tensor.Zeros(5, 2, 8)), "MultiheadAttention", "query [4, 2, 6]", "embed dim 8");
        Rejects(() => mha.Forward(Tensor.Zeros(4, 2, 8), Tensor.Zeros(5, 2, 8), Tensor.Zeros(6, 2, 8)), "MultiheadAttention", "key [5, 2, 8]", "value [6, 2, 8]");
        Rejects(() => mha.Forward(Tensor.Zeros(4, 2, 8), Tensor.Zeros(5, 3, 8), Tensor.Zeros(5, 3, 8)), "MultiheadAttention", "query [4, 2, 8]", "key [5, 3, 8]");
    }

    [Fact]
    public void Multihead_attention_rejects_masks_of_the_wrong_shape()
    {
        var mha = new MultiheadAttention(8, 2);
        var (q, kv) = (Tensor.Zeros(4, 2, 8), Tensor.Zeros(5, 2, 8));
        Rejects(() => mha.Forward(q, kv, kv, keyPaddingMask: Tensor.LongZeros(2, 4)), "MultiheadAttention", "key padding mask [2, 4]", "[2, 5]");
        Rejects(() => mha.Forward(q, kv, kv, attnMask: Tensor.LongZeros(5, 4)), "MultiheadAttention", "attention mask [5, 4]", "[4, 5]", "[4, 4, 5]");
        Rejects(() => mha.Forward(q, kv, kv, attnMask: Tensor.Zeros(2, 4, 5)), "MultiheadAttention", "attention mask [2, 4, 5]", "[4, 4, 5]");
    }
}
