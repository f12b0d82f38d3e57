using Vitrum.Tensors;

namespace Vitrum.Nn.Optim;

/// <summary>Parameters that share hyper-parameters (learning rate, weight decay), as a torch.optim param group.</summary>
public sealed class ParamGroup
{
    public List<Tensor> Params { get; }
    public double Lr { get; set; }

    /// <summary>
    /// This group's rate as a fraction of the schedule's (DETR trains its backbone at 0.1, timm's layer decay gives each
    /// block its own): <see cref="LrSchedule.Apply"/> sets <see cref="Lr"/> to the scheduled rate times this.
    /// </summary>
    public double LrScale { get; set; } = 1;
    public double WeightDecay { get; set; }
    public string Name { get; }

    public ParamGroup(IEnumerable<Tensor> parameters, double lr, double weightDecay = 0, string name = "")
    {
        Params = parameters.ToList();
        Lr = lr;
        WeightDecay = weightDecay;
        Name = name;
    }

    /// <summary>
    /// timm's split (param_groups_weight_decay): parameters of rank 0-1 (biases, norm weights) and those
    /// named in <paramref name="noDecay"/> (position embeddings, class tokens) get no weight decay.
    /// </summary>
    public static List<ParamGroup> WeightDecaySplit(Module model, double lr, double weightDecay, IEnumerable<string>? noDecay = null)
    {
        var skip = new HashSet<string>(noDecay ?? Array.Empty<string>(), StringComparer.Ordinal);
        var decay = new List<Tensor>();
        var none = new List<Tensor>();
        foreach (var (name, p) in model.NamedParameters())
        {
            if (!p.RequiresGrad) continue;
            if (p.Rank <= 1 || name.EndsWith(".bias", StringComparison.Ordinal) || skip.Contains(name)) none.Add(p);
            else decay.Add(p);
        }
        return new List<ParamGroup> { new(none, lr, 0, "no_decay"), new(decay, lr, weightDecay, "decay") };
    }
}
