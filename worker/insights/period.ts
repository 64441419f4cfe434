/**
 * The period an insights request asks about: whole UTC days, `from` and `to` inclusive,
 * the last `days` (default 30) up to today when not given, and the period of the same
 * length just before it (what trends compare with).
 */
import type { Period, PeriodQuery } from "../../shared/insights";
import { ApiError } from "../http/errors";

const DAY_MS = 86_400_000;
export const MAX_DAYS = 731;

const toDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const fromDay = (day: string) => Date.parse(`${day}T00:00:00Z`);

export function periodOf(q: Pick<PeriodQuery, "from" | "to" | "days">, now = Date.now(), defaultDays = 30): Period {
  // `from` and `days` (no `to`): the days from `from` on; otherwise up to `to` (default today).
  const to = q.to ?? (q.from && q.days ? toDay(fromDay(q.from) + (q.days - 1) * DAY_MS) : toDay(now));
  const toMs = fromDay(to);
  const fromMs = q.from ? fromDay(q.from) : toMs - ((q.days ?? defaultDays) - 1) * DAY_MS;
  if (Number.isNaN(toMs) || Number.isNaN(fromMs)) throw new ApiError(400, "invalid_period", "from and to must be real days (YYYY-MM-DD)");
  if (fromMs > toMs) throw new ApiError(400, "invalid_period", "from must not be after to");
  const days = Math.round((toMs - fromMs) / DAY_MS) + 1;
  if (days > MAX_DAYS) throw new ApiError(400, "invalid_period", `a period is at most ${MAX_DAYS} days`);
  const previousTo = fromMs - DAY_MS;
  return { from: toDay(fromMs), to, days, previousFrom: toDay(previousTo - (days - 1) * DAY_MS), previousTo: toDay(previousTo) };
}

/** Every day of a period, in order (for series with no gaps). */
export function daysOf(period: Pick<Period, "from" | "to">): string[] {
  const out: string[] = [];
  for (let t = fromDay(period.from); t <= fromDay(period.to); t += DAY_MS) out.push(toDay(t));
  return out;
}

/** Epoch ms bounds of a period: [start of `from`, start of the day after `to`). */
export const periodMs = (period: Pick<Period, "from" | "to">) => ({ start: fromDay(period.from), end: fromDay(period.to) + DAY_MS });

/** (a − b) / b, or null when b is 0. */
export const trendOf = (now: number, before: number) => (before > 0 ? Math.round(((now - before) / before) * 1000) / 1000 : null);
export const rate = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 1000) / 1000 : null);
