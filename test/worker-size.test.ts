/**
 * The deploy bundle (what `wrangler deploy` uploads, built by the global setup) stays within
 * Cloudflare's Worker size limit on the Free plan: 3 MB after compression (10 MB on Paid).
 * The document parsers are most of it (pdf.js ≈ 500 KB gzip, mammoth ≈ 100 KB); see README,
 * "Content formats".
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { BUNDLE_DIR } from "./helpers/switchboard";

describe("worker bundle size", () => {
  it("is under the Free plan's 3 MB compressed", () => {
    const bundle = readFileSync(join(BUNDLE_DIR, "index.js"));
    expect(gzipSync(bundle, { level: 9 }).byteLength).toBeLessThan(3 * 1000 * 1000);
  });
});
