/**
 * The console's pictures, drawn as plain SVG (no chart library): bars, a trend line and a
 * funnel. Each is an image with a name that reads out its numbers (`role="img"`, a `<title>`,
 * an aria-label), so a screen reader hears what the eye sees; the numbers are also in the
 * table beside each picture. Sizes are in viewBox units and the SVG scales to its box, so a
 * picture fits a phone as well as a desktop. Colours come from the stylesheet (`.ad-chart…`).
 */
import { useId } from "./ui";

export interface Datum {
  label: string;
  value: number;
}

const fmt = (n: number) => (Number.isInteger(n) ? n.toLocaleString() : n.toLocaleString(undefined, { maximumFractionDigits: 2 }));
/** "Questions per topic: Refunds 4, Export 2." — what the picture says, in words. */
const spoken = (title: string, data: Datum[], unit = "") => `${title}: ${data.map((d) => `${d.label} ${fmt(d.value)}${unit}`).join(", ") || "nothing yet"}.`;

/**
 * Horizontal bars, one row per datum: the label and value as text (readable at any width),
 * the bar as SVG scaled to the largest value.
 */
export function Bars({ title, data, unit = "", max }: { title: string; data: Datum[]; unit?: string; max?: number }) {
  const top = Math.max(max ?? 0, ...data.map((d) => d.value), 1);
  return (
    <figure class="ad-chart ad-bars" role="img" aria-label={spoken(title, data, unit)}>
      <figcaption class="ad-chart-title" aria-hidden="true">
        {title}
      </figcaption>
      {data.map((d) => (
        <div class="ad-bar-row" key={d.label} aria-hidden="true">
          <span class="ad-bar-label">{d.label}</span>
          <svg class="ad-bar-svg" viewBox="0 0 100 10" preserveAspectRatio="none" focusable="false">
            <title>{`${d.label}: ${fmt(d.value)}${unit}`}</title>
            <rect class="ad-chart-track" x="0" y="0" width="100" height="10" rx="2" />
            <rect class="ad-chart-fill" x="0" y="0" width={(Math.max(d.value, 0) / top) * 100} height="10" rx="2" />
          </svg>
          <span class="ad-bar-value">
            {fmt(d.value)}
            {unit}
          </span>
        </div>
      ))}
    </figure>
  );
}

const W = 600;
const H = 180;
const PAD = { left: 36, right: 12, top: 14, bottom: 30 };

/** A line over days (`YYYY-MM-DD`), with the first and last day and the highest value marked. */
export function Line({ title, points, unit = "" }: { title: string; points: { day: string; value: number }[]; unit?: string }) {
  const id = useId("chart");
  const top = Math.max(1, ...points.map((p) => p.value));
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (points.length <= 1 ? innerW / 2 : (i / (points.length - 1)) * innerW);
  const y = (v: number) => PAD.top + innerH - (v / top) * innerH;
  const path = points.map((p, i) => `${x(i).toFixed(1)},${y(p.value).toFixed(1)}`).join(" ");
  const total = points.reduce((s, p) => s + p.value, 0);
  const peak = points.reduce<{ day: string; value: number } | null>((best, p) => (!best || p.value > best.value ? p : best), null);
  const label = points.length
    ? `${title}: ${fmt(total)}${unit} from ${points[0]?.day} to ${points[points.length - 1]?.day}${peak ? `, at most ${fmt(peak.value)}${unit} on ${peak.day}` : ""}.`
    : `${title}: nothing yet.`;
  return (
    <figure class="ad-chart ad-line">
      <figcaption class="ad-chart-title" id={`${id}-cap`}>
        {title}
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby={`${id}-t`} focusable="false">
        <title id={`${id}-t`}>{label}</title>
        <line class="ad-chart-axis" x1={PAD.left} y1={PAD.top + innerH} x2={W - PAD.right} y2={PAD.top + innerH} />
        <line class="ad-chart-grid" x1={PAD.left} y1={PAD.top} x2={W - PAD.right} y2={PAD.top} />
        <text class="ad-chart-text" x={PAD.left - 6} y={PAD.top + 5} text-anchor="end">
          {fmt(top)}
        </text>
        <text class="ad-chart-text" x={PAD.left - 6} y={PAD.top + innerH + 5} text-anchor="end">
          0
        </text>
        {points.length ? (
          <>
            <polyline class="ad-chart-line" points={path} fill="none" />
            {points.map((p, i) => (
              <circle key={p.day} class="ad-chart-dot" cx={x(i)} cy={y(p.value)} r={points.length > 60 ? 1.5 : 3}>
                <title>{`${p.day}: ${fmt(p.value)}${unit}`}</title>
              </circle>
            ))}
            <text class="ad-chart-text" x={PAD.left} y={H - 8}>
              {points[0]?.day}
            </text>
            <text class="ad-chart-text" x={W - PAD.right} y={H - 8} text-anchor="end">
              {points[points.length - 1]?.day}
            </text>
          </>
        ) : null}
      </svg>
    </figure>
  );
}

/** A funnel: each step a centred bar as wide as its share of the first, with its count and share. */
export function Funnel({ title, steps }: { title: string; steps: Datum[] }) {
  const id = useId("chart");
  const first = Math.max(steps[0]?.value ?? 0, 1);
  const row = 46;
  const height = steps.length * row + 4;
  const share = (v: number) => `${Math.round((v / first) * 100)}%`;
  return (
    <figure class="ad-chart ad-funnel">
      <figcaption class="ad-chart-title">{title}</figcaption>
      <svg viewBox={`0 0 ${W} ${height}`} role="img" aria-labelledby={`${id}-t`} focusable="false">
        <title id={`${id}-t`}>{`${title}: ${steps.map((s) => `${s.label} ${fmt(s.value)} (${share(s.value)})`).join(", ")}.`}</title>
        {steps.map((s, i) => {
          const w = Math.max((s.value / first) * (W - 8), 2);
          return (
            <g key={s.label} data-step={s.label}>
              <rect class={`ad-chart-fill ad-funnel-${i}`} x={(W - w) / 2} y={i * row + 2} width={w} height={row - 22} rx="4" />
              <text class="ad-chart-text ad-chart-strong" x={W / 2} y={i * row + row - 6} text-anchor="middle">
                {`${s.label}: ${fmt(s.value)} (${share(s.value)})`}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}

/** ▲ 25% / ▼ 10% / — : a change against the previous period, with its words for screen readers. */
export function Trend({ value }: { value: number | null }) {
  if (value === null) return <span class="ad-trend" title="nothing to compare with in the previous period">—</span>;
  const pct = Math.round(value * 100);
  if (pct === 0) return <span class="ad-trend">± 0%</span>;
  const up = pct > 0;
  return (
    <span class={up ? "ad-trend ad-trend-up" : "ad-trend ad-trend-down"}>
      <span aria-hidden="true">{up ? "▲" : "▼"}</span> {Math.abs(pct)}%<span class="ad-offscreen">{up ? " more than" : " fewer than"} the previous period</span>
    </span>
  );
}

/** A rate (0..1) as a whole percentage, or — when there was nothing to divide by. */
export const percent = (rate: number | null | undefined) => (rate === null || rate === undefined ? "—" : `${Math.round(rate * 100)}%`);
