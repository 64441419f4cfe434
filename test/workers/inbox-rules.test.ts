/**
 * The inbox's two small rules, inside workerd: a typed search becomes an FTS5 expression
 * of plain words only, and round robin picks who is next (room left, longest since their
 * last assignment, fewest held).
 */
import { describe, expect, it } from "vitest";
import { pickNext } from "../../worker/org/assignment";
import { ftsQuery } from "../../worker/org/search-index";

describe("search query", () => {
  it("quotes every word and matches the last ones as prefixes; operators and syntax are only text", () => {
    expect(ftsQuery("invoice charged")).toBe('"invoice"* "charged"*');
    expect(ftsQuery('ada@example.com "OR" NEAR(x y)')).toBe('"ada@example.com"* "OR"* "NEAR"* "x"* "y"*');
    expect(ftsQuery("INV-2042")).toBe('"INV-2042"*');
    expect(ftsQuery("l'été")).toBe(`"l'été"*`);
    for (const junk of ["", "   ", "*", '"', "()", "-", "^", "\u0000"]) expect(ftsQuery(junk), JSON.stringify(junk)).toBeNull();
    expect(ftsQuery(Array.from({ length: 40 }, (_, i) => `w${i}`).join(" "))?.split(" ").length).toBe(12);
  });
});

describe("round robin", () => {
  const c = (id: string, open: number, capacity = 2) => ({ id, name: id, open, capacity });

  it("passes over whoever is full, then takes turns by last assignment, then by fewest held", () => {
    expect(pickNext([c("a", 2), c("b", 2)], new Map())).toBeNull();
    expect(pickNext([c("a", 2), c("b", 1)], new Map())?.id).toBe("b");
    expect(pickNext([c("a", 0), c("b", 0)], new Map([["a", 10], ["b", 5]]))?.id).toBe("b");
    expect(pickNext([c("a", 1), c("b", 0)], new Map([["a", 5], ["b", 5]]))?.id).toBe("b");
    expect(pickNext([c("a", 0), c("b", 0)], new Map([["b", 1]]))?.id).toBe("a");
    expect(pickNext([c("a", 0, 0)], new Map())).toBeNull();
  });
});
