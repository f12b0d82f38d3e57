using Vitrum.Models.Transformer;
using Vitrum.Nn.IO;
using Vitrum.Tensors;
using Xunit;

namespace Vitrum.Models.Tests;

/// <summary>Bad token tensors, configs and checkpoints give ArgumentExceptions that name the tensor, its shape and what was expected.</summary>
public class TransformerBadInputTests
{
    private static readonly TransformerConfig Small = ReversalTask.Config with { MaxLen = 8 };

    private static string Fails(Tensor src, Tensor tgt) =>
        Assert.Throws<ArgumentException>(() => new TransformerModel(Small).Forward(src, tgt)).Message;

    private static Tensor Ids(int n, int l, long value = 3) => Tensor.FromLongs(Enumerable.Repeat(value, n * l).ToArray(), n, l);

    [Fact]
    public void Empty_sequences_and_empty_batches_are_refused()
    {
        Assert.Contains("src [2, 0] is empty", Fails(Ids(2, 0), Ids(2, 3)));
        Assert.Contains("tgt [0, 3] is empty", Fails(Ids(0, 3), Ids(0, 3)));
    }

    [Fact]
    public void Token_ids_outside_the_vocabulary_are_refused_with_their_position()
    {
        var src = Tensor.FromLongs([3, 4, 5, 6, 12, 7], 2, 3);
        var m = Fails(src, Ids(2, 2));
        Assert.Contains("src [2, 3] holds token id 12 at [1, 1], outside the vocabulary [0, 12)", m);
        Assert.Contains("token id -1", Fails(Ids(1, 2), Tensor.FromLongs([1, -1], 1, 2)));
    }

    [Fact]
    public void Sequences_longer_than_max_len_are_refused()
    {
        Assert.Contains("src [1, 9] has sequences of 9 tokens, longer than max_len 8", Fails(Ids(1, 9), Ids(1, 2)));
        Assert.Contains("tgt [1, 10]", Fails(Ids(1, 2), Ids(1, 10)));
    }

    [Fact]
    public void Wrong_dtype_rank_and_batch_are_refused()
    {
        Assert.Contains("src is Float32 [1, 3]; expected int64", Fails(Tensor.Zeros(1, 3), Ids(1, 2)));
        Assert.Contains("src [3] is not 2-D", Fails(Tensor.FromLongs([3, 4, 5], 3), Ids(1, 2)));
        Assert.Contains("different batch sizes", Fails(Ids(2, 3), Ids(3, 3)));
    }

    [Fact]
    public void Invalid_configs_name_the_field()
    {
        Assert.Contains("d_model 30 must be divisible by nhead 4", Assert.Throws<ArgumentException>(() => (Small with { DModel = 30 }).Validate()).Message);
        Assert.Contains("activation is 'swish'", Assert.Throws<ArgumentException>(() => TransformerConfig.FromJson("""{"activation": "swish"}""")).Message);
        Assert.Contains("share_embeddings", Assert.Throws<ArgumentException>(() => (Small with { TgtVocabSize = 9, ShareEmbeddings = true }).Validate()).Message);
        Assert.Contains("nheads", Assert.Throws<ArgumentException>(() => TransformerConfig.FromJson("""{"family": "transformer", "nheads": 4}""", "c.json")).Message);
    }

    [Fact]
    public void Config_json_round_trips_through_the_registry()
    {
        Assert.Equal(TransformerPresets.G2pTransformer, Models.ModelRegistry.ParseJson(TransformerPresets.G2pTransformer.ToJson()));
        Assert.IsType<TransformerModel>(Models.ModelRegistry.Create(Models.ModelRegistry.Preset("g2p_transformer")));
    }

    [Fact]
    public void A_vit_checkpoint_is_refused_as_another_architecture()
    {
        var model = new TransformerModel(TransformerFixture.Config("post_relu"));
        var m = Assert.Throws<ArgumentException>(() => TransformerWeights.Load(model, VitFixture.TimmCheckpoint)).Message;
        Assert.Contains("small_timm.safetensors is not a checkpoint of this Transformer (d_model 16", m);
        Assert.Contains("missing keys: src_embed.weight", m);
        Assert.Contains("unexpected keys:", m);
    }

    [Fact]
    public void A_checkpoint_with_other_sizes_is_refused_naming_the_mismatched_tensors()
    {
        var model = new TransformerModel(TransformerFixture.Config("post_relu") with { DimFeedforward = 32, NumDecoderLayers = 1 });
        var m = Assert.Throws<ArgumentException>(() => TransformerWeights.Load(model, TransformerFixture.Path("post_relu.safetensors"))).Message;
        Assert.Contains("transformer.encoder.layers.0.linear1.weight: checkpoint [24, 16] vs model [32, 16]", m);
        Assert.Contains("unexpected keys: transformer.decoder.layers.1.", m);
    }

    [Fact]
    public void Shared_embedding_keys_must_really_repeat_their_source()
    {
        var state = StateDictFile.Load(TransformerFixture.Path("shared_tied.safetensors"));
        state["tgt_embed.weight"] = Tensor.Zeros(state["src_embed.weight"].Shape);
        var model = new TransformerModel(TransformerFixture.Config("shared_tied"));
        var m = Assert.Throws<ArgumentException>(() => TransformerWeights.Load(model, state, "edited")).Message;
        Assert.Contains("tgt_embed.weight [12, 8] should repeat src_embed.weight", m);
    }
}
