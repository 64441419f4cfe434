/**
 * The console's client pieces that decide what is sent and shown: the merge patch a site
 * form sends (only what changed; a removed field as null; business hours whole; secrets
 * left alone unless changed), the server's message split onto fields, and the version diff.
 */
import { describe, expect, it } from "vitest";
import { fieldMessages } from "../widget/admin/api";
import { jsonDiff } from "../widget/admin/diff";
import { mergePatchOf, setIn } from "../widget/admin/draft";

describe("the site form's patch", () => {
  const site = {
    name: "Acme",
    theme: { title: "Help", primaryColor: "#111111", logoUrl: "https://x.example/l.png", suggestions: ["a"] },
    texts: { fr: { title: "Aide" } },
    identitySecret: "••••",
    webhook: { url: "https://hooks.example/a", secret: "••••" },
    businessHours: { timezone: "UTC", days: { "1": ["09:00", "17:00"], "2": ["09:00", "17:00"] } },
  };

  it("is empty when nothing changed, and holds only the changed field otherwise", () => {
    expect(mergePatchOf(site, structuredClone(site), ["businessHours"])).toBeUndefined();
    const edited = setIn(site, ["theme", "primaryColor"], "#222222");
    expect(mergePatchOf(site, edited, ["businessHours"])).toEqual({ theme: { primaryColor: "#222222" } });
  });

  it("sends null for what was removed, arrays and business hours whole, and never the secrets it did not touch", () => {
    let edited = setIn(site, ["theme", "logoUrl"], undefined);
    edited = setIn(edited, ["texts", "fr"], undefined);
    edited = setIn(edited, ["theme", "suggestions"], ["a", "b"]);
    edited = setIn(edited, ["businessHours", "days", "2"], undefined);
    edited = setIn(edited, ["webhook", "url"], "https://hooks.example/b");
    expect(mergePatchOf(site, edited, ["businessHours"])).toEqual({
      theme: { logoUrl: null, suggestions: ["a", "b"] },
      texts: { fr: null },
      businessHours: { timezone: "UTC", days: { "1": ["09:00", "17:00"] } },
      webhook: { url: "https://hooks.example/b" },
    });
    expect(mergePatchOf(site, setIn(site, ["identitySecret"], undefined), ["businessHours"])).toEqual({ identitySecret: null });
  });
});

describe("the server's message, field by field", () => {
  it("splits `path: message; path: message` and keeps a message without a path whole", () => {
    expect(fieldMessages("theme.primaryColor: Invalid string; allowedOrigins.0: an origin such as https://shop.example")).toEqual({
      "theme.primaryColor": "Invalid string",
      "allowedOrigins.0": "an origin such as https://shop.example",
    });
    expect(fieldMessages("router → ghost: no agent \"ghost\" exists (delegate)")).toEqual({});
  });
});

describe("the version diff", () => {
  it("marks the lines that changed, whatever the key order", () => {
    const lines = jsonDiff({ name: "A", instructions: "old", tools: ["x"] }, { tools: ["x"], instructions: "new", name: "A" });
    expect(lines.filter((l) => l.kind === "removed").map((l) => l.text.trim())).toEqual(['"instructions": "old",']);
    expect(lines.filter((l) => l.kind === "added").map((l) => l.text.trim())).toEqual(['"instructions": "new",']);
  });
});
