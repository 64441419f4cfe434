/**
 * The widget's weight budget, in bytes (gzip -9 of the built files), read from what the build
 * actually imports (helpers/widget-files.ts):
 * - what the page loads up front: widget.js ≤ 4 KB;
 * - a visitor who opens the widget and chats: widget.js, the app, the chunks it imports up
 *   front and their language's strings (the largest locale counted) ≤ 20 KB;
 * - everything one visitor can ever load: that, plus every lazily loaded chunk (files, the
 *   rating question, the email form, past conversations) ≤ 24 KB.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { gz, PUBLIC, total, widgetFiles } from "./helpers/widget-files";

describe("widget weight budget", () => {
  const files = widgetFiles();
  const largestLocale = Math.max(...files.locales.map((l) => total(l.files)));

  it("widget.js, the only script a page loads up front, is at most 4 KB gzipped", () => {
    expect(gz("widget.js")).toBeLessThanOrEqual(4 * 1024);
  });

  it("reads the build's imports: the app, its Preact chunk, three locales and the extras", () => {
    expect(files.upFront).toContain("widget/app.js");
    expect(files.upFront.length).toBeGreaterThanOrEqual(3);
    expect(files.locales.map((l) => l.file.replace(/-.*$/, "")).sort()).toEqual(["widget/chunks/ar", "widget/chunks/en", "widget/chunks/fr"]);
    expect(files.extras.length).toBeGreaterThanOrEqual(1);
  });

  it("a visitor who opens the widget and chats loads at most 20 KB gzipped", () => {
    const bytes = total(files.upFront) + largestLocale;
    expect(bytes, files.upFront.join(", ")).toBeLessThanOrEqual(20 * 1024);
  });

  it("everything one visitor can load (every feature, the largest locale) is at most 24 KB gzipped", () => {
    const bytes = total(files.upFront) + largestLocale + total(files.extras);
    expect(bytes, [...files.upFront, ...files.extras].join(", ")).toBeLessThanOrEqual(24 * 1024);
  });

  it("the app does not pull in zod or other server code", () => {
    for (const file of [...files.upFront, ...files.extras, ...files.locales.flatMap((l) => l.files)]) {
      expect(readFileSync(join(PUBLIC, file), "utf8"), file).not.toMatch(/ZodError|\$ZodType|hono/);
    }
  });
});
