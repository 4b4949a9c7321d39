// Reading the small numeric CSV files traces come in (header row, comma separated, no quoted commas).

export interface CsvTable {
  columns: string[];
  rows: string[][];
}

export function parseCsv(text: string, source: string): CsvTable {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  if (lines.length === 0) throw new Error(`${source}: expected a header row, found an empty file`);
  const columns = lines[0]!.split(',').map((c) => c.trim().replace(/^"|"$/g, ''));
  const rows = lines.slice(1).map((line) => line.split(',').map((c) => c.trim().replace(/^"|"$/g, '')));
  return { columns, rows };
}

/** The numbers of one column; throws naming the file, row and value when a cell is not a number. */
export function readNumberColumn(table: CsvTable, column: string, source: string): number[] {
  const at = table.columns.indexOf(column);
  if (at < 0) {
    throw new Error(`${source}: expected a column \`${column}\`, found columns ${table.columns.join(', ')}`);
  }
  return table.rows.map((row, i) => {
    const value = Number(row[at]);
    if (row[at] === undefined || row[at] === '' || !Number.isFinite(value)) {
      throw new Error(`${source}: row ${i + 2}, column \`${column}\`: expected a number, got \`${row[at] ?? ''}\``);
    }
    return value;
  });
}
