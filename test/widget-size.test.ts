/**
 * The widget's weight budget, in bytes (gzip -9 of the built files): what the page loads up
 * front ≤ 4 KB, everything the widget ever loads ≤ 20 KB. Run against the real build.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { ROOT } from "./helpers/switchboard";

const PUBLIC = join(ROOT, "dist", "public");
const gz = (path: string) => gzipSync(readFileSync(path), { level: 9 }).byteLength;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe("widget weight budget", () => {
  it("widget.js, the only script a page loads up front, is at most 4 KB gzipped", () => {
    expect(gz(join(PUBLIC, "widget.js"))).toBeLessThanOrEqual(4 * 1024);
  });

  it("everything the widget loads (loader, app and its chunks) is at most 20 KB gzipped", () => {
    const widgetFiles = [join(PUBLIC, "widget.js"), join(PUBLIC, "widget", "app.js"), ...filesUnder(join(PUBLIC, "widget")).filter((f) => f.includes("/chunks/"))];
    const total = widgetFiles.reduce((n, f) => n + gz(f), 0);
    expect(total, widgetFiles.map((f) => relative(PUBLIC, f)).join(", ")).toBeLessThanOrEqual(20 * 1024);
  });

  it("the app does not pull in zod or other server code", () => {
    const app = readFileSync(join(PUBLIC, "widget", "app.js"), "utf8");
    expect(app).not.toMatch(/ZodError|\$ZodType|hono/);
  });
});
