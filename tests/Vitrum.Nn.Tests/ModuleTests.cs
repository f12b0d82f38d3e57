using Vitrum.Tensors;
using Xunit;

namespace Vitrum.Nn.Tests;

public class ModuleTests
{
    private sealed class Block : Module<Tensor, Tensor>
    {
        public readonly Linear Fc1, Fc2;
        public Block()
        {
            Fc1 = RegisterModule("fc1", new Linear(4, 8));
            Fc2 = RegisterModule("fc2", new Linear(8, 2, bias: false));
            RegisterBuffer("scale", Tensor.Ones(2));
            RegisterBuffer("cache", Tensor.Zeros(3), persistent: false);
        }
        public override Tensor Forward(Tensor x) => Ops.Mul(Fc2.Forward(Fc1.Forward(x)), StateDict()["scale"]);
    }

    [Fact]
    public void State_dict_keys_follow_pytorch_paths_and_skip_non_persistent_buffers()
    {
        var m = new ModuleList<Block> { new Block(), new Block() };
        Assert.Equal(new[] { "0.fc1.weight", "0.fc1.bias", "0.fc2.weight", "1.fc1.weight", "1.fc1.bias", "1.fc2.weight", "0.scale", "1.scale" },
            m.StateDict().Keys.ToArray());
        Assert.Equal(2 * (4 * 8 + 8 + 8 * 2), m.ParameterCount());
    }

    [Fact]
    public void Load_state_dict_reports_missing_unexpected_and_mismatched_keys_together()
    {
        var m = new Block();
        var sd = new Dictionary<string, Tensor>
        {
            ["fc1.weight"] = Tensor.Zeros(8, 5),
            ["fc1.bias"] = Tensor.Zeros(8),
            ["fc2.weight"] = Tensor.Zeros(2, 8),
            ["extra.weight"] = Tensor.Zeros(1),
        };
        var e = Assert.Throws<StateDictMismatchException>(() => m.LoadStateDict(sd));
        Assert.Contains("missing keys: scale", e.Message);
        Assert.Contains("unexpected keys: extra.weight", e.Message);
        Assert.Contains("fc1.weight: checkpoint [8, 5] vs model [8, 4]", e.Message);
        Assert.NotEqual(0f, m.Fc2.Weight.ToArray().Select(Math.Abs).Max());
    }

    [Fact]
    public void Load_state_dict_copies_in_place_and_non_strict_ignores_extra_keys()
    {
        var src = new Block();
        var dst = new Block();
        var weightRef = dst.Fc1.Weight;
        var sd = src.StateDict();
        sd["unused"] = Tensor.Zeros(1);
        dst.LoadStateDict(sd, strict: false);
        Assert.Same(weightRef, dst.Fc1.Weight);
        Assert.Equal(src.Fc1.Weight.ToArray(), dst.Fc1.Weight.ToArray());
        Assert.Throws<StateDictMismatchException>(() => dst.LoadStateDict(sd, strict: true));
    }

    [Fact]
    public void Freeze_stops_gradients_and_eval_propagates_to_children()
    {
        var m = new Block();
        m.Fc1.Freeze();
        Assert.Equal(16, m.ParameterCount(trainableOnly: true));
        var x = Tensor.Ones(3, 4);
        Ops.Sum(m.Forward(x)).Backward();
        Assert.Null(m.Fc1.Weight.Grad);
        Assert.NotNull(m.Fc2.Weight.Grad);
        m.Eval();
        Assert.False(m.Fc1.Training);
        m.Train();
        Assert.True(m.Fc2.Training);
    }

    [Fact]
    public void Linear_rejects_input_with_wrong_feature_count()
    {
        var e = Assert.Throws<ArgumentException>(() => new Linear(4, 2).Forward(Tensor.Zeros(3, 5)));
        Assert.Contains("[3, 5]", e.Message);
        Assert.Contains("Linear", e.Message);
    }
}
