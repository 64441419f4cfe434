/**
 * Video transcripts in workerd: WebVTT and SRT files become timed passages that keep the
 * second they start at (for `#t=93` links); a video page's captions are found from its
 * `<track>` elements or its VideoObject JSON-LD and fetched through the function the caller
 * passes (the outbound guard, in the product).
 */
import { describe, expect, it } from "vitest";
import { ApiError } from "../../worker/http/errors";
import { citationLabel, citationUrl, findCaptionTracks, parseContent, pickTrack, transcriptFromVideoPage, FORMAT_LIMITS } from "../../worker/knowledge/formats";
import { formatTimestamp, parseTimestamp } from "../../worker/knowledge/formats/captions";
import { text } from "./content-fixtures";

const pad = (n: number, w = 2) => String(n).padStart(w, "0");
const vttTime = (s: number) => `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(Math.floor(s % 60))}.${pad(Math.round((s % 1) * 1000), 3)}`;
const srtTime = (s: number) => vttTime(s).replace(".", ",");

/** A 3-minute talk: one sentence every 4 seconds, the refund sentence at 1:33. */
function talk(): { at: number; line: string }[] {
  const lines: { at: number; line: string }[] = [];
  for (let at = 0; at < 180; at += 4) lines.push({ at, line: `At second ${at} we talk about sync settings and shortcuts.` });
  lines.push({ at: 93, line: "Refunds are possible within thirty days of the charge." });
  return lines.sort((a, b) => a.at - b.at);
}

function makeVtt(): string {
  const cues = talk().map(({ at, line }, i) => `${i === 3 ? "intro-3\n" : ""}${vttTime(at)} --> ${vttTime(at + 3.5)} align:start position:10%\n<v Dana>${line.replace("shortcuts", "<i>shortcuts</i> &amp; tips")}</v>`);
  return ["WEBVTT - Lumen Notes in three minutes", "Language: en", "", "STYLE\n::cue { color: yellow }", "", "NOTE written by hand, 00:00:01.000 --> 00:00:02.000 is not a cue", "", ...cues.join("\n\n").split("\n")].join("\n");
}

function makeSrt(): string {
  return talk()
    .map(({ at, line }, i) => `${i + 1}\r\n${srtTime(at)} --> ${srtTime(at + 3.5)}\r\n{\\an8}<i>${line}</i>\r\n`)
    .join("\r\n");
}

describe("WebVTT and SRT", () => {
  it("parses timestamps and formats them back", () => {
    expect(parseTimestamp("01:02:03.500")).toBe(3723.5);
    expect(parseTimestamp("02:03,25")).toBe(123.25);
    expect(formatTimestamp(93)).toBe("1:33");
    expect(formatTimestamp(3723.5)).toBe("1:02:03");
  });

  it("turns a WebVTT file into timed passages that keep their start second", async () => {
    const { format, documents } = await parseContent({ bytes: text(makeVtt()), filename: "intro.vtt", url: "https://videos.example.com/intro.mp4" });
    expect(format).toBe("vtt");
    const doc = documents[0]!;
    expect(doc).toMatchObject({ title: "Lumen Notes in three minutes", lang: "en", url: "https://videos.example.com/intro.mp4" });
    expect(doc.sections.length).toBeGreaterThan(2);
    expect(doc.sections[0]!.startSec).toBe(0);
    const starts = doc.sections.map((s) => s.startSec!);
    expect([...starts].sort((a, b) => a - b)).toEqual(starts);
    // Voice spans name the speaker, markup and entities are gone, NOTE/STYLE blocks are not text.
    expect(doc.sections[0]!.text).toContain("Dana: At second 0 we talk about sync settings and shortcuts & tips.");
    expect(doc.sections.map((s) => s.text).join(" ")).not.toMatch(/<|&amp;|STYLE|NOTE|align:/);
    const refund = doc.sections.find((s) => s.text.includes("Refunds are possible"))!;
    expect(refund.startSec).toBeLessThanOrEqual(93);
    expect(refund.startSec).toBeGreaterThan(93 - 90);
    expect(citationUrl(doc.url!, refund)).toBe(`https://videos.example.com/intro.mp4#t=${refund.startSec}`);
    expect(citationLabel({ startSec: 93 })).toBe("1:33");
    // Every passage is small enough to be one chunk, so each chunk's second is exact.
    expect(doc.sections.every((s) => s.text.length <= 900)).toBe(true);
  });

  it("reads SRT with CRLF, styling tags and positions, the same way", async () => {
    const { format, documents } = await parseContent({ bytes: text(makeSrt()), filename: "intro.srt" });
    expect(format).toBe("srt");
    const all = documents[0]!.sections.map((s) => s.text).join(" ");
    expect(all).toContain("At second 4 we talk about sync settings and shortcuts.");
    expect(all).not.toMatch(/<i>|\{\\an8\}/);
    expect(documents[0]!.sections.find((s) => s.text.includes("Refunds"))!.startSec).toBeGreaterThan(0);
  });

  it("folds rolling captions and splits passages at long pauses", async () => {
    const vtt = [
      "WEBVTT",
      "",
      "00:00:01.000 --> 00:00:03.000\nwelcome to the",
      "00:00:03.000 --> 00:00:05.000\nwelcome to the\nproduct tour",
      "00:00:05.000 --> 00:00:07.000\nproduct tour\ntoday we cover exports",
      // 50 seconds of silence, then a new topic: a new passage that starts at 57.
      "00:00:57.000 --> 00:00:59.000\nnow let us look at billing",
    ].join("\n\n");
    const { documents } = await parseContent({ bytes: text(vtt), filename: "tour.vtt" });
    expect(documents[0]!.sections).toEqual([
      { startSec: 1, text: "welcome to the product tour today we cover exports" },
      { startSec: 57, text: "now let us look at billing" },
    ]);
  });

  it("refuses files that are not captions, have no cues, or too many", async () => {
    const fail = async (p: Promise<unknown>) => (await p.then(() => null, (e: unknown) => e)) as ApiError;
    expect((await fail(parseContent({ bytes: text("00:01.000 --> 00:02.000\nhi"), filename: "x.vtt" }))).code).toBe("malformed_file");
    expect((await fail(parseContent({ bytes: text("WEBVTT\n\nNOTE nothing here\n"), filename: "x.vtt" }))).code).toBe("empty_document");
    expect((await fail(parseContent({ bytes: text("just some words"), filename: "x.srt" }))).code).toBe("empty_document");
    const tooMany = await fail(parseContent({ bytes: text(makeSrt()), filename: "x.srt" }, { captionCues: 10 }));
    expect([tooMany.status, tooMany.code]).toEqual([413, "payload_too_large"]);
  });
});

const PAGE = "https://learn.example.com/videos/getting-started";

function videoPage(): string {
  const ld = {
    "@context": "https://schema.org",
    "@graph": [
      { "@type": "WebPage", name: "Learn" },
      {
        "@type": "VideoObject",
        name: "Getting started with Lumen Notes",
        contentUrl: "https://cdn.example.com/getting-started.mp4",
        inLanguage: "en",
        caption: [
          { "@type": "MediaObject", contentUrl: "/captions/getting-started.fr.vtt", inLanguage: "fr", encodingFormat: "text/vtt" },
          "https://cdn.example.com/captions/getting-started.en.srt",
        ],
        transcript: "A transcript written into the page.",
      },
    ],
  };
  return `<!doctype html><html lang="en"><head><title>Getting started &middot; Learn</title>
  <script type="application/ld+json">${JSON.stringify(ld)}</script>
  <script type="application/ld+json">{ not json </script></head>
  <body><video controls src="/media/getting-started.mp4">
    <track kind="chapters" src="/captions/chapters.vtt" srclang="en">
    <track kind="subtitles" src="/captions/getting-started.de.vtt" srclang="de" label="Deutsch">
    <track kind="captions" src="/captions/getting-started.en.vtt" srclang="en" label="English" default>
    <track kind="captions" src="javascript:alert(1)" srclang="en">
  </video></body></html>`;
}

describe("video pages", () => {
  it("finds caption tracks in <track> elements and VideoObject JSON-LD, resolved and deduplicated", async () => {
    const page = await findCaptionTracks(videoPage(), PAGE);
    expect(page.title).toBe("Getting started with Lumen Notes");
    expect(page.videoUrl).toBe("https://learn.example.com/media/getting-started.mp4");
    expect(page.tracks.map((t) => [t.url, t.kind, t.lang ?? null, t.from])).toEqual([
      ["https://learn.example.com/captions/getting-started.de.vtt", "subtitles", "de", "track"],
      ["https://learn.example.com/captions/getting-started.en.vtt", "captions", "en", "track"],
      ["https://learn.example.com/captions/getting-started.fr.vtt", "captions", "fr", "json-ld"],
      ["https://cdn.example.com/captions/getting-started.en.srt", "captions", "en", "json-ld"],
    ]);
    expect(page.transcripts).toEqual([{ text: "A transcript written into the page.", lang: "en" }]);
    expect(pickTrack(page.tracks)?.url).toMatch(/\.en\.vtt$/); // the default
    expect(pickTrack(page.tracks, "fr-CA")?.url).toMatch(/\.fr\.vtt$/);
    expect(pickTrack(page.tracks, "de")?.url).toMatch(/\.de\.vtt$/);
  });

  it("fetches the chosen track with the caller's fetch and cites the page at the moment", async () => {
    const fetched: string[] = [];
    const fetchFn = async (url: string) => {
      fetched.push(url);
      return url.endsWith(".en.vtt") ? new Response(makeVtt(), { headers: { "content-type": "text/vtt" } }) : new Response("no", { status: 404 });
    };
    const doc = await transcriptFromVideoPage(PAGE, videoPage(), fetchFn, FORMAT_LIMITS);
    expect(fetched).toEqual(["https://learn.example.com/captions/getting-started.en.vtt"]);
    expect(doc).toMatchObject({ format: "vtt", title: "Getting started with Lumen Notes", url: PAGE, lang: "en" });
    const refund = doc.sections.find((s) => s.text.includes("Refunds"))!;
    expect(citationUrl(doc.url!, refund)).toBe(`${PAGE}#t=${refund.startSec}`);
    expect(citationUrl("https://www.youtube.com/watch?v=abc", { startSec: 93 })).toBe("https://www.youtube.com/watch?v=abc&t=93s");
  });

  it("reads SRT captions by their content, uses an inline transcript when no track exists, and fails clearly", async () => {
    const srtOnly = `<html><head><script type="application/ld+json">${JSON.stringify({ "@type": "VideoObject", name: "Tour", caption: { contentUrl: "https://cdn.example.com/tour.txt" } })}</script></head></html>`;
    const doc = await transcriptFromVideoPage(PAGE, srtOnly, async () => new Response(makeSrt()), FORMAT_LIMITS);
    expect(doc.format).toBe("srt");
    expect(doc.sections.some((s) => s.text.includes("Refunds"))).toBe(true);

    const inline = `<html><head><title>Clip</title><script type="application/ld+json">${JSON.stringify({ "@type": ["VideoObject"], transcript: "Everything about exports." })}</script></head></html>`;
    const fromText = await transcriptFromVideoPage(PAGE, inline, async () => new Response("unused"), FORMAT_LIMITS);
    expect(fromText).toMatchObject({ title: "Clip", sections: [{ text: "Everything about exports." }], url: PAGE });

    const err = async (html: string, fetchFn: (u: string) => Promise<Response>, limits = FORMAT_LIMITS) =>
      (await transcriptFromVideoPage(PAGE, html, fetchFn, limits).then(() => null, (e: unknown) => e)) as ApiError;
    const tracked = '<video><track kind="captions" src="/c.vtt"></video>';
    expect((await err("<html><video src='a.mp4'></video></html>", async () => new Response(""))).code).toBe("no_captions");
    expect((await err(tracked, async () => new Response("gone", { status: 404 }))).code).toBe("fetch_failed");
    expect((await err(tracked, async () => new Response("<html>not captions</html>"))).code).toBe("malformed_file");
    const big = await err(tracked, async () => new Response(makeVtt()), { ...FORMAT_LIMITS, textBytes: 500 });
    expect([big.status, big.code]).toEqual([413, "payload_too_large"]);
  });
});
