/**
 * Whether a site's team is at work now, in the site's own time zone.
 */
import type { SiteConfig } from "../../shared/config";

export function staffedNow(hours: SiteConfig["businessHours"], now = new Date()): boolean {
  if (!hours) return true; // no hours configured: always staffed
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat("en-US", { timeZone: hours.timezone, weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(now);
  } catch {
    return true; // an unknown time zone must not lock visitors out of a person
  }
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  const day = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].indexOf(get("weekday"));
  const window = hours.days[String(day)];
  if (!window) return false;
  const minutes = (hhmm: string) => {
    const [h, m] = hhmm.split(":").map(Number);
    return (h ?? 0) * 60 + (m ?? 0);
  };
  const current = minutes(`${get("hour")}:${get("minute")}`);
  return current >= minutes(window[0]) && current < minutes(window[1]);
}
