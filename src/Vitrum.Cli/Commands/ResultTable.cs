using Spectre.Console;
using Spectre.Console.Rendering;

namespace Vitrum.Cli.Commands;

/// <summary>
/// Human-readable results on stdout as Spectre.Console tables (commands print JSON instead under --json).
/// Cells are plain text, never markup, so names with brackets print as they are; redirected output gets no escape codes.
/// </summary>
public static class ResultTable
{
    /// <summary>A table with the given column headers and rows.</summary>
    public static void Write(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var h in headers) table.AddColumn(new TableColumn(new Text(h)));
        foreach (var row in rows) table.AddRow(row.Select(c => (IRenderable)new Text(c)));
        AnsiConsole.Write(table);
    }

    /// <summary>A two-column table of named values (a command's results).</summary>
    public static void Write(params (string Name, string Value)[] values)
    {
        var grid = new Table().Border(TableBorder.Rounded).HideHeaders();
        grid.AddColumn(new TableColumn(new Text("")));
        grid.AddColumn(new TableColumn(new Text("")));
        foreach (var (name, value) in values) grid.AddRow(new Text(name), new Text(value));
        AnsiConsole.Write(grid);
    }
}
