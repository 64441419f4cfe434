/**
 * How a chunk is cited: "page 4" for a PDF page, "1:33" for a moment of a video, and a link
 * that opens there — `#page=4` (PDF viewers) and `#t=93` (media fragments; YouTube reads
 * `?t=` instead).
 */
import { formatTimestamp } from "./captions";

export interface CitationPlace {
  heading?: string | null;
  page?: number | null;
  startSec?: number | null;
}

export function citationLabel(place: CitationPlace): string | null {
  if (place.page != null) return `page ${place.page}`;
  if (place.startSec != null) return formatTimestamp(place.startSec);
  return place.heading ?? null;
}

export function citationUrl(url: string, place: CitationPlace): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url;
  }
  if (place.startSec != null) {
    const t = Math.max(0, Math.floor(place.startSec));
    if (/(^|\.)youtube\.com$/.test(u.hostname) || u.hostname === "youtu.be") {
      u.searchParams.set("t", `${t}s`);
      u.hash = "";
    } else u.hash = `t=${t}`;
    return u.href;
  }
  if (place.page != null) {
    u.hash = `page=${place.page}`;
    return u.href;
  }
  return u.href;
}
