/**
 * Every insights table as CSV: the same rows the JSON gives, one per line, cells made safe
 * for a spreadsheet (admin/conversations-leads.ts `csvCell`: no formula runs).
 */
import { csvCell } from "./conversations-leads";

export interface Column<R> {
  header: string;
  value: (row: R) => unknown;
}

export function toCsv<R>(rows: readonly R[], columns: readonly Column<R>[]): string {
  const lines = [columns.map((c) => csvCell(c.header)).join(","), ...rows.map((r) => columns.map((c) => csvCell(c.value(r))).join(","))];
  return `${lines.join("\r\n")}\r\n`;
}
