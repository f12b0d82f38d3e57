namespace Vitrum.Models;

/// <summary>
/// The training hyper-parameters a preset is tuned for on a data set: the defaults of <c>vitrum train</c>, each of
/// which an option overrides. A family's descriptor gives them (<see cref="IModelFamily.Recipe"/>).
/// </summary>
/// <param name="Cooldown">Sequence-to-sequence: the last fraction of the planned steps over which the rate falls linearly to 0.</param>
/// <param name="RandomShift">Pixels the grey data sets (MNIST, Fashion-MNIST) are randomly shifted by in training (zero padding, then a crop).</param>
/// <param name="WarmupSteps">Sequence-to-sequence: the Noam warmup in optimizer steps (null: <paramref name="WarmupEpochs"/> epochs of steps).</param>
/// <param name="AverageLast">The last epochs whose weights are averaged at the end (0 = none).</param>
/// <param name="BeamSize">Sequence-to-sequence: the beam that decodes the test set at the end (1 = greedy).</param>
/// <param name="ClipGrad">The gradients' total norm is clipped to this (0 = off; DETR's clip_max_norm is 0.1).</param>
/// <param name="LrDropEpochs">Detection: the rate falls tenfold after this many epochs (DETR's lr_drop); null = warmup and cosine.</param>
/// <param name="BackbonePretrainEpochs">
/// Detection: epochs a fresh backbone (a ResNet preset) is first trained on <paramref name="BackbonePretrainDataset"/>'s
/// classification as a first phase of the run, when no weights are given for it (0 = none).
/// </param>
/// <param name="QueryGroups">Detection: DETR's query groups in training (Group DETR; 1 = DETR's own training), when the config sets none.</param>
/// <param name="BackbonePretrainCanvas">
/// Detection: the backbone phase shows each digit scaled and placed at random on a black canvas of this side (0 = the
/// data set's images as they are), so the classifier learns the digits at the scenes' sizes and anywhere in a larger map.
/// </param>
/// <param name="BackboneLrScale">Detection: the backbone's rate as a fraction of the others' (main.py: lr_backbone 1e-5 / lr 1e-4 = 0.1).</param>
/// <param name="DenoisingGroups">Detection: DETR's denoising groups in training (DN-DETR; 0 = none), when the config sets none.</param>
public sealed record TrainingRecipe(int Epochs = 10, int BatchSize = 128, double Lr = 1e-3, double WeightDecay = 0.05, double WarmupEpochs = 1,
    double LabelSmoothing = 0.1, int BeamSize = 1, int RandomShift = 2, double Cooldown = 0, int? WarmupSteps = null, int AverageLast = 0,
    double ClipGrad = 1.0, int? LrDropEpochs = null, int BackbonePretrainEpochs = 0, string BackbonePretrainDataset = "mnist",
    int QueryGroups = 1, int DenoisingGroups = 0, int BackbonePretrainCanvas = 0, double BackboneLrScale = 0.1);
