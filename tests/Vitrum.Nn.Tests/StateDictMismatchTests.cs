using Vitrum.Tensors;
using Xunit;

namespace Vitrum.Nn.Tests;

/// <summary>
/// A state dict that does not fit is one short line whatever its size: the first keys of each list, how many
/// more, and the likely cause read from the names (a wrapper entry, a DataParallel prefix, another depth, another
/// class count, another width).
/// </summary>
public class StateDictMismatchTests
{
    private sealed class Net : Module
    {
        public Net(int depth, int width, int classes)
        {
            var blocks = RegisterModule("blocks", new ModuleList<Linear>());
            for (int i = 0; i < depth; i++) blocks.Add(new Linear(width, width));
            RegisterModule("head", new Linear(width, classes));
        }
    }

    private static Dictionary<string, Tensor> Renamed(Module m, Func<string, string> name) =>
        m.StateDict().ToDictionary(kv => name(kv.Key), kv => kv.Value);

    private static StateDictMismatchException Refused(Module model, IReadOnlyDictionary<string, Tensor> state) =>
        Assert.Throws<StateDictMismatchException>(() => model.LoadStateDict(state));

    [Fact]
    public void Hundreds_of_keys_make_one_short_line_with_the_first_five_of_each_list_and_how_many_more()
    {
        var model = new Net(100, 2, 3);
        var e = Refused(model, Renamed(new Net(100, 2, 3), k => "encoder." + k.Replace("blocks", "layers")));
        Assert.Equal(202, e.Missing.Count);
        Assert.Equal(202, e.Unexpected.Count);
        Assert.DoesNotContain('\n', e.Message);
        Assert.True(e.Message.Length < 600, $"{e.Message.Length} characters: {e.Message}");
        Assert.Contains("missing keys: blocks.0.weight, blocks.0.bias, blocks.1.weight, blocks.1.bias, blocks.2.weight and 197 more", e.Message);
        Assert.Contains("unexpected keys: encoder.layers.0.weight, encoder.layers.0.bias, encoder.layers.1.weight, encoder.layers.1.bias, encoder.layers.2.weight and 197 more", e.Message);
    }

    [Theory]
    [InlineData("module.", "a 'module.' prefix (saved from DataParallel")]
    [InlineData("model.", "the file holds a 'model' entry")]
    [InlineData("state_dict.", "the file holds a 'state_dict' entry")]
    [InlineData("_orig_mod.", "torch.compile")]
    [InlineData("backbone.body.", "carry a 'backbone.body.' prefix")]
    public void A_prefix_around_every_key_is_named_as_the_cause(string prefix, string cause)
    {
        var e = Refused(new Net(2, 4, 3), Renamed(new Net(2, 4, 3), k => prefix + k));
        Assert.Contains($"Likely cause: ", e.Message);
        Assert.Contains(cause, e.Cause);
    }

    [Fact]
    public void A_model_nested_deeper_than_the_checkpoint_is_named_as_the_cause()
    {
        var outer = new Wrapper(new Net(2, 4, 3));
        var e = Refused(outer, new Net(2, 4, 3).StateDict());
        Assert.Equal("the model's keys carry a 'net.' prefix the checkpoint's lack", e.Cause);
    }

    private sealed class Wrapper : Module
    {
        public Wrapper(Module inner) => RegisterModule("net", inner);
    }

    [Fact]
    public void Another_number_of_blocks_is_named_as_another_depth()
    {
        var e = Refused(new Net(2, 4, 3), new Net(5, 4, 3).StateDict());
        Assert.Equal("another depth: the checkpoint has 5 'blocks', the model 2 (a checkpoint of another size of this architecture?)", e.Cause);
    }

    [Fact]
    public void A_head_for_another_class_count_is_named_with_both_counts()
    {
        var e = Refused(new Net(2, 4, 10), new Net(2, 4, 1000).StateDict());
        Assert.Equal(2, e.Mismatched.Count);
        Assert.Equal("only 'head' differs: 1000 outputs in the checkpoint, 10 in the model (a checkpoint for another number of classes?)", e.Cause);
    }

    [Fact]
    public void The_same_keys_with_other_widths_are_named_as_another_width()
    {
        var e = Refused(new Net(2, 4, 3), new Net(2, 8, 3).StateDict());
        Assert.Contains("shape mismatches: blocks.0.weight: checkpoint [8, 8] vs model [4, 4]", e.Message);
        Assert.Equal("the same keys with other shapes: a checkpoint of another width of this architecture", e.Cause);
    }

    [Fact]
    public void Keys_that_show_no_pattern_give_no_cause()
    {
        var state = new Net(1, 4, 3).StateDict();
        state.Remove("head.bias");
        state["optimizer_step"] = Tensor.Zeros(1);
        var e = Refused(new Net(1, 4, 3), state);
        Assert.Null(e.Cause);
        Assert.DoesNotContain("Likely cause", e.Message);
    }
}
