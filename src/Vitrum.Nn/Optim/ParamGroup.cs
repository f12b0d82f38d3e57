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
            if (NoDecay(name, p, skip)) none.Add(p);
            else decay.Add(p);
        }
        return new List<ParamGroup> { new(none, lr, 0, "no_decay"), new(decay, lr, weightDecay, "decay") };
    }

    /// <summary>
    /// timm's layer-wise learning-rate decay (param_groups_layer_decay, from BEiT): <paramref name="layerId"/> gives
    /// each parameter an ordinal (the embeddings first, then one per block, the head last); the distinct ordinals
    /// present are numbered 0..L in order, as timm's group_with_matcher numbers its groups, and a parameter of layer i
    /// learns at <paramref name="layerDecay"/>^(L - i) of the scheduled rate. Within a layer the no-weight-decay rule of
    /// <see cref="WeightDecaySplit"/> splits it in two groups, named as timm's ("layer_3_decay", "layer_3_no_decay").
    /// </summary>
    /// <param name="layerId">the layer ordinal of a parameter, by its state-dict name</param>
    /// <param name="layerDecay">the factor per layer below the top, in (0, 1]</param>
    /// <exception cref="ArgumentException"><paramref name="layerDecay"/> is outside (0, 1]</exception>
    public static List<ParamGroup> LayerDecaySplit(Module model, double lr, double weightDecay, double layerDecay, Func<string, int> layerId, IEnumerable<string>? noDecay = null)
    {
        if (!(layerDecay > 0 && layerDecay <= 1)) throw new ArgumentException($"layer decay must be in (0, 1], got {layerDecay}");
        var skip = new HashSet<string>(noDecay ?? Array.Empty<string>(), StringComparer.Ordinal);
        var parameters = model.NamedParameters().Where(p => p.Parameter.RequiresGrad).Select(p => (p.Name, p.Parameter, Id: layerId(p.Name))).ToList();
        var rank = parameters.Select(p => p.Id).Distinct().Order().Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i);
        int top = rank.Count - 1;
        var groups = new Dictionary<string, ParamGroup>(StringComparer.Ordinal);
        foreach (var (name, p, id) in parameters)
        {
            int layer = rank[id];
            bool none = NoDecay(name, p, skip);
            string key = $"layer_{layer}_{(none ? "no_decay" : "decay")}";
            if (!groups.TryGetValue(key, out var g))
            {
                double scale = Math.Pow(layerDecay, top - layer);
                groups[key] = g = new ParamGroup(Array.Empty<Tensor>(), lr * scale, none ? 0 : weightDecay, key) { LrScale = scale };
            }
            g.Params.Add(p);
        }
        return groups.Values.ToList();
    }

    private static bool NoDecay(string name, Tensor p, HashSet<string> skip) =>
        p.Rank <= 1 || name.EndsWith(".bias", StringComparison.Ordinal) || skip.Contains(name);
}
