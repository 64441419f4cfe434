/**
 * `npm run bench` (insights): a year of a busy site's facts — a million turns, with their
 * retrieved documents, votes, status changes, staff replies, ratings and leads — generated
 * straight into D1 through the test gate (SQL, no model), the site's insights rebuilt from
 * them the way `POST …/insights/rebuild` does after a migration, and then every insights
 * endpoint timed over the whole year and over the last 30 days, through the admin API as a
 * console would call it. The figures go to BENCHMARKS.md between the insights markers.
 *
 * The questions are ~500 wordings of ~80 help-center questions (drawn skewed, as real
 * traffic is: a few questions are most of it), grouped offline by the same code the worker
 * uses (worker/insights/signature.ts and clustering.ts).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, it } from "vitest";
import { cluster, topicIdOf } from "../worker/insights/clustering";
import { nameOf, signatureOf } from "../worker/insights/signature";
import { ROOT, setupOrg, startSwitchboard, type Switchboard, testAgent } from "../test/helpers/switchboard";

const TURNS = Number(process.env.BENCH_INSIGHTS_TURNS ?? 1_000_000);
const DAYS = 365;
const ORG = "busy";
const SITE = "busy";
const DOCUMENTS = 300;
const CHUNK = 50_000;

const rows: { metric: string; value: string }[] = [];
const record = (metric: string, value: string) => {
  rows.push({ metric, value });
  console.log(`insights · ${metric}: ${value}`);
};
const pct = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};
const ms = (n: number) => `${n.toFixed(0)} ms`;

let sb: Switchboard;

const BASE = [
  "How do I export my notes?", "Can I export a notebook as PDF?", "export everything to markdown", "How do I import from Evernote?", "import my notes from Notion",
  "How do I get a refund?", "I want my money back", "refund for the yearly plan", "How do I cancel my subscription?", "cancel my plan",
  "Where can I find my invoices?", "add my VAT number to the invoice", "I was charged twice", "my payment failed", "change my credit card",
  "How much does Pro cost?", "what is the price of the team plan", "is there a student discount", "do you have a free plan", "difference between free and pro",
  "I forgot my password", "reset my password", "turn on two factor authentication", "lost my recovery codes", "change my email address",
  "the app crashes on startup", "the app freezes when I open a note", "my notes do not sync", "sync is stuck", "notes missing after update",
  "how do I share a note", "invite my team", "can two people edit the same note", "how do I add tags", "search inside PDFs",
  "what is the attachment size limit", "how much storage do I get", "does it work offline", "install the desktop app", "is there an Android app",
  "delete my account", "is my data encrypted", "where is my data stored", "do you sell my data", "GDPR data export",
  "contact support", "what are your opening hours", "talk to a person", "is there a phone number", "how fast do you reply",
  "dark mode", "change the font size", "keyboard shortcuts", "print a note", "version history of a note",
  "restore a deleted note", "empty the trash", "merge two notebooks", "move notes between notebooks", "pin a note",
  "web clipper does not work", "browser extension for Chrome", "integrate with Slack", "Zapier integration", "API access",
  "upgrade to business", "downgrade to free", "pause my subscription", "transfer my account", "family plan",
  "Do you ship to Mars?", "can I pay with bitcoin", "do you have a lifetime deal", "is there an affiliate program", "job openings",
];
const SUFFIX = ["", " on my iPhone", " on Windows", " for my team", " please", " urgently"];

beforeAll(async () => {
  sb = await startSwitchboard({ seed: false });
  await setupOrg(sb, ORG, [
    testAgent("router", { knowledge: ["kb"], delegates: ["billing", "tech"], tools: ["search_knowledge", "handoff_to_human", "capture_lead"] }),
    testAgent("billing", { fallbackAgent: "tech", knowledge: ["kb"] }),
    testAgent("tech", { knowledge: ["kb"] }),
  ]);
}, 120_000);

afterAll(async () => {
  await sb?.close();
  const date = new Date().toISOString().slice(0, 10);
  const block = [
    "<!-- insights:start -->",
    "## Insights (`bench/insights.bench.ts`)",
    "",
    `Measured on ${date}: ${cpus().length} × ${cpus()[0]?.model.trim() ?? "CPU"}, 1-minute load average ${loadavg()[0]?.toFixed(1)}; the worker in workerd (Miniflare, local D1 = SQLite) on loopback. A year of one busy site generated into D1: ${TURNS.toLocaleString("en")} turn facts over ${DAYS} days and the facts around them (below). Each endpoint is asked through the admin API as the console asks it, over the whole year (\`days=365\`) and over the last 30 days; p50 / max of 7 requests after one warm-up.`,
    "",
    "| metric | value |",
    "|---|---|",
    ...rows.map((r) => `| ${r.metric} | ${r.value} |`),
    "<!-- insights:end -->",
  ].join("\n");
  const path = join(ROOT, "BENCHMARKS.md");
  let current = "";
  try {
    current = readFileSync(path, "utf8");
  } catch {
    current = "# Benchmarks\n";
  }
  const start = current.indexOf("<!-- insights:start -->");
  const end = current.indexOf("<!-- insights:end -->");
  const next = start >= 0 && end > start ? `${current.slice(0, start)}${block}${current.slice(end + "<!-- insights:end -->".length)}` : `${current.trimEnd()}\n\n${block}\n`;
  writeFileSync(path, next);
});

async function sql(statement: string, ...params: unknown[]) {
  return sb.db.prepare(statement).bind(...params).run();
}

it("a year of a busy site: generate, rebuild, and time every endpoint", { timeout: 3_600_000 }, async () => {
  // ---- question wordings, their signatures and topics (the worker's own offline grouping) ----
  const texts = BASE.flatMap((q) => SUFFIX.map((s) => `${q}${s}`));
  // Drawn skewed: wording k with weight 1/(k+1) (a Zipf-like head).
  const weights = texts.map((_t, k) => 1 / (k % BASE.length + 1) / (Math.floor(k / BASE.length) + 1));
  const signatures = new Map<string, { key: string; terms: string[]; questions: number; sample: string; surfaces: Record<string, string> }>();
  const templates = texts.map((text, k) => {
    const s = signatureOf(text);
    const entry = signatures.get(s.key) ?? { key: s.key, terms: s.terms, questions: 0, sample: text, surfaces: s.surfaces };
    entry.questions += weights[k] as number;
    signatures.set(s.key, entry);
    return { k, text, signature: s.key };
  });
  const grouping = cluster(
    [...signatures.values()].map((s) => ({ key: s.key, terms: s.terms, questions: Math.round(s.questions * 1000) })),
    [],
    (leader) => topicIdOf(ORG, SITE, leader),
  );
  const topics = grouping.created.map((c) => ({ id: c.id, name: nameOf(c.terms, signatures.get(c.leader)?.surfaces), terms: JSON.stringify(c.terms) }));
  await sql(
    `INSERT INTO insights_topics (id, org_id, site_key, name, terms, origin) SELECT json_extract(value, '$.id'), ?1, ?2, json_extract(value, '$.name'), json_extract(value, '$.terms'), 'auto' FROM json_each(?3)`,
    ORG,
    SITE,
    JSON.stringify(topics),
  );
  await sql(
    `INSERT INTO insights_signatures (org_id, site_key, signature, topic_id, sample, first_day) SELECT ?1, ?2, json_extract(value, '$.key'), json_extract(value, '$.topic'), json_extract(value, '$.sample'), '2025-01-01' FROM json_each(?3)`,
    ORG,
    SITE,
    JSON.stringify([...signatures.values()].filter((s) => s.key).map((s) => ({ key: s.key, topic: grouping.assignments.get(s.key), sample: s.sample }))),
  );
  // A cumulative table to draw wordings by weight from a hash of the turn number.
  const total = weights.reduce((a, b) => a + b, 0);
  let acc = 0;
  const cumulative = templates.map((t, k) => {
    acc += (weights[k] as number) / total;
    return { ...t, upTo: Math.min(1_000_000, Math.round(acc * 1_000_000)), topic: t.signature ? (grouping.assignments.get(t.signature) ?? null) : null };
  });
  await sql("CREATE TABLE bench_templates (k INTEGER PRIMARY KEY, up_to INTEGER NOT NULL, question TEXT NOT NULL, signature TEXT NOT NULL, topic_id TEXT)");
  await sql("CREATE INDEX bench_templates_up_to ON bench_templates(up_to)");
  await sql(
    `INSERT INTO bench_templates (k, up_to, question, signature, topic_id) SELECT json_extract(value, '$.k'), json_extract(value, '$.upTo'), json_extract(value, '$.text'), json_extract(value, '$.signature'), json_extract(value, '$.topic') FROM json_each(?1)`,
    JSON.stringify(cumulative),
  );
  // Knowledge documents (some never used, some not fetched for a year).
  await sql("INSERT OR IGNORE INTO knowledge_collections (org_id, id, name) VALUES (?1, 'kb', 'kb')", ORG);
  await sql(
    `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?2 - 1)
     INSERT INTO knowledge_documents (id, org_id, collection_id, source, title, text, bytes, fetched_at)
     SELECT 'doc_b' || i, ?1, 'kb', 'src-' || i, 'Article ' || i, 'Text of article ' || i, 20,
       CASE WHEN i % 10 = 0 THEN '2024-01-01T00:00:00.000Z' ELSE strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || (i % 60) || ' days') END FROM n`,
    ORG,
    DOCUMENTS,
  );

  // ---- a year of turns, generated by SQLite from the turn number ----
  const t0 = performance.now();
  const start = Date.parse(`${new Date(Date.now() - (DAYS - 1) * 86_400_000).toISOString().slice(0, 10)}T00:00:00Z`);
  for (let from = 0; from < TURNS; from += CHUNK) {
    const to = Math.min(TURNS, from + CHUNK);
    // h: a hash of the turn number (0..999999); ended_at spreads the turns evenly over the year.
    await sql(
      `WITH RECURSIVE n(i) AS (SELECT CAST(?1 AS INTEGER) UNION ALL SELECT i + 1 FROM n WHERE i < ?2 - 1),
       g AS (SELECT i, (i * 2654435761) % 1000000 AS h, ?3 + (i * (?4 * 86400000 / ?5)) AS at FROM n)
       INSERT INTO turn_facts (turn_id, org_id, site_key, conversation_id, day, ended_at, question, agents, answered_by, outcome, reason, tokens_in, tokens_out,
         first_delta_ms, turn_ms, model, family, queries, retrieved, cited, reply_message_id, signature, topic_id, flags, best_score, grounded, quality, within_budget,
         delegations, usage, lang)
       SELECT 't_b' || g.i, ?6, ?7, 'c_b' || (g.i / 3), strftime('%Y-%m-%d', g.at / 1000, 'unixepoch'), g.at, t.question,
         CASE WHEN g.i % 5 = 0 THEN '["router","billing"]' ELSE '["router"]' END, 'router',
         CASE WHEN g.h % 20 < 15 THEN 'answered' WHEN g.h % 20 < 17 THEN 'abstained' WHEN g.h % 20 < 19 THEN 'handed_off' ELSE 'failed' END,
         CASE WHEN g.h % 20 = 19 THEN 'model_error' WHEN g.h % 20 >= 17 THEN 'agent' END,
         400 + g.h % 900, 60 + g.h % 200, 300 + g.h % 700, 900 + g.h % 3000,
         CASE WHEN g.i % 4 = 0 THEN 'gpt-4o' ELSE 'gpt-4o-mini' END, 'openai', '["q"]',
         CASE WHEN g.h % 10 < 7 THEN 1 ELSE 0 END, CASE WHEN g.h % 20 < 15 AND g.h % 10 < 7 THEN 1 ELSE 0 END,
         'm_b' || g.i, t.signature, t.topic_id,
         (CASE WHEN g.h % 10 >= 7 THEN 1 ELSE 0 END) | (CASE WHEN g.h % 10 = 6 THEN 2 ELSE 0 END) | (CASE WHEN g.h % 20 IN (15, 16) THEN 4 ELSE 0 END)
           | (CASE WHEN g.h % 20 IN (17, 18) THEN 8 ELSE 0 END) | (CASE WHEN g.h % 20 = 19 THEN 64 ELSE 0 END) | (CASE WHEN g.h % 97 = 0 THEN 16 ELSE 0 END),
         CASE WHEN g.h % 10 < 7 THEN -1.0 - (g.h % 900) / 100.0 END,
         CASE WHEN g.h % 20 < 15 THEN (g.h % 101) / 100.0 END,
         CASE WHEN g.h % 20 < 15 THEN round(0.3 * (g.h % 10 < 7) + 0.5 * ((g.h % 101) / 100.0) + 0.2, 3) END, 1,
         CASE WHEN g.i % 5 = 0 THEN (CASE WHEN g.i % 50 = 0 THEN '[{"agent":"billing","status":"error"},{"agent":"tech","status":"ok","fallbackFrom":"billing"}]' ELSE '[{"agent":"billing","status":"ok"}]' END) ELSE '[]' END,
         '[{"agent":"router","model":"' || CASE WHEN g.i % 4 = 0 THEN 'gpt-4o' ELSE 'gpt-4o-mini' END || '","calls":2,"tokensIn":' || (400 + g.h % 900) || ',"tokensOut":' || (60 + g.h % 200) || '}]',
         'en'
       FROM g JOIN bench_templates t ON t.k = (SELECT k FROM bench_templates WHERE up_to >= g.h ORDER BY up_to LIMIT 1)`,
      from,
      to,
      start,
      DAYS,
      TURNS,
      ORG,
      SITE,
    );
  }
  // Everything around the turns, a chunk of turns at a time (rowid ranges: one statement never writes a whole year).
  const bounds = await sb.db.prepare("SELECT MIN(rowid) AS lo, MAX(rowid) AS hi FROM turn_facts WHERE org_id = ?").bind(ORG).first<{ lo: number; hi: number }>();
  const around = [
    `INSERT INTO turn_documents (turn_id, document_id, org_id, site_key, day, score, cited)
     SELECT turn_id, 'doc_b' || ((CAST(substr(turn_id, 4) AS INTEGER) * 7) % (${DOCUMENTS} - 30)), org_id, site_key, day, best_score, cited
     FROM turn_facts WHERE rowid BETWEEN ?1 AND ?2 AND retrieved = 1`,
    // Votes on 6% of answers (a fifth of them down).
    `INSERT INTO feedback (conversation_id, message_id, org_id, site_key, rating, day, voted_at, created_at)
     SELECT conversation_id, reply_message_id, org_id, site_key, CASE WHEN ended_at % 5 = 0 THEN -1 ELSE 1 END, day, ended_at + 30000,
       strftime('%Y-%m-%dT%H:%M:%fZ', (ended_at + 30000) / 1000.0, 'unixepoch')
     FROM turn_facts WHERE rowid BETWEEN ?1 AND ?2 AND outcome = 'answered' AND (CAST(substr(turn_id, 4) AS INTEGER) * 40503) % 100 < 6`,
    // Handoffs: waiting, claimed, resolved; a staff reply each.
    `INSERT INTO conversation_events (conversation_id, at, to_status, from_status, org_id, site_key, day, reason, staff_id)
     SELECT conversation_id, ended_at + s.o, s.st, s.fr, org_id, site_key, strftime('%Y-%m-%d', (ended_at + s.o) / 1000, 'unixepoch'), s.r, CASE WHEN s.st <> 'waiting' THEN 'st_a' END
     FROM turn_facts, (SELECT 1000 AS o, 'waiting' AS st, 'bot' AS fr, 'agent' AS r UNION ALL SELECT 90000, 'human', 'waiting', 'claim' UNION ALL SELECT 1800000, 'resolved', 'human', 'staff') s
     WHERE turn_facts.rowid BETWEEN ?1 AND ?2 AND outcome = 'handed_off'`,
    `INSERT INTO staff_replies (message_id, conversation_id, org_id, site_key, staff_id, at, day, text)
     SELECT 'm_s' || turn_id, conversation_id, org_id, site_key, 'st_a', ended_at + 120000, day, 'A person answers: here is how it works for your account.'
     FROM turn_facts WHERE rowid BETWEEN ?1 AND ?2 AND outcome = 'handed_off'`,
    // Ratings on 8% of conversations, leads from 0.5% of turns.
    `INSERT OR IGNORE INTO csat (conversation_id, org_id, site_key, rating, comment, day, at)
     SELECT conversation_id, org_id, site_key, 1 + (ended_at % 5), CASE WHEN ended_at % 7 = 0 THEN 'thanks' END, day, ended_at + 60000
     FROM turn_facts WHERE rowid BETWEEN ?1 AND ?2 AND (CAST(substr(turn_id, 4) AS INTEGER) % 3) = 2 AND (CAST(substr(turn_id, 4) AS INTEGER) * 7919) % 100 < 8`,
    `INSERT INTO leads (id, org_id, site_key, conversation_id, name, email, source, created_at, score, score_reasons, intent)
     SELECT 'lead_b' || turn_id, org_id, site_key, conversation_id, 'Lead', 'lead' || substr(turn_id, 4) || '@example.com', 'agent:router',
       strftime('%Y-%m-%dT%H:%M:%fZ', ended_at / 1000.0, 'unixepoch'), 10 + (ended_at % 60), '[{"factor":"email","points":10,"detail":"left an email"}]', 'medium'
     FROM turn_facts WHERE rowid BETWEEN ?1 AND ?2 AND (CAST(substr(turn_id, 4) AS INTEGER) * 104729) % 1000 < 5`,
  ];
  for (let lo = bounds?.lo ?? 0; lo <= (bounds?.hi ?? -1); lo += CHUNK) {
    for (const statement of around) await sql(statement, lo, lo + CHUNK - 1);
  }
  await sql("DROP TABLE bench_templates");
  const generated = (performance.now() - t0) / 1000;

  const count = async (table: string) => Number(((await sb.db.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE org_id = ?`).bind(ORG).first<{ n: number }>()) ?? { n: 0 }).n);
  const counts = {
    turns: await count("turn_facts"),
    documents: await count("turn_documents"),
    feedback: await count("feedback"),
    events: await count("conversation_events"),
    replies: await count("staff_replies"),
    csat: await count("csat"),
    leads: await count("leads"),
  };
  const facts = counts.turns + counts.feedback + counts.events + counts.replies + counts.csat;
  record(
    "facts generated",
    `${facts.toLocaleString("en")} fact records: ${counts.turns.toLocaleString("en")} turns, ${counts.feedback.toLocaleString("en")} votes, ${counts.events.toLocaleString("en")} status changes, ${counts.replies.toLocaleString("en")} staff replies, ${counts.csat.toLocaleString("en")} ratings; plus ${counts.documents.toLocaleString("en")} retrieved documents and ${counts.leads.toLocaleString("en")} leads (${generated.toFixed(0)} s to generate)`,
  );

  // ---- the rollups, rebuilt from the facts (what the hourly job does for a migrated store) ----
  const r0 = performance.now();
  const rebuilt = await sb.admin(`/api/admin/orgs/${ORG}/insights/rebuild`, { method: "POST", body: JSON.stringify({ site: SITE }) });
  if (!rebuilt.ok) throw new Error(`rebuild: ${rebuilt.status} ${await rebuilt.text()}`);
  record("rebuilding every rollup of the site from its year of facts", `${((performance.now() - r0) / 1000).toFixed(1)} s (once, after a migration; the consumer keeps them as facts arrive)`);
  const rollupRows = async (table: string) => Number(((await sb.db.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE org_id = ?`).bind(ORG).first<{ n: number }>()) ?? { n: 0 }).n);
  record(
    "rollup rows the endpoints read instead",
    `topic days ${(await rollupRows("insights_topic_days")).toLocaleString("en")}, site days ${(await rollupRows("insights_days")).toLocaleString("en")}, document days ${(await rollupRows("insights_document_days")).toLocaleString("en")}, conversations ${(await rollupRows("conversation_facts")).toLocaleString("en")}`,
  );

  // ---- every endpoint, over the year and over 30 days ----
  const listed = (await (await sb.admin(`/api/admin/orgs/${ORG}/insights/topics?site=${SITE}&days=365&limit=1`)).json()) as { topics: { id: string }[] };
  const topTopic = listed.topics[0]?.id ?? "";
  const gaps = (await (await sb.admin(`/api/admin/orgs/${ORG}/insights/gaps?site=${SITE}&days=365&limit=1`)).json()) as { gaps: { id: string }[] };
  const topGap = gaps.gaps[0]?.id ?? "";
  const I = `/api/admin/orgs/${ORG}/insights`;
  const endpoints: [string, string][] = [
    ["topics", `${I}/topics?site=${SITE}`],
    ["topic detail (the largest topic)", `${I}/topics/${topTopic}?x=1`],
    ["gaps", `${I}/gaps?site=${SITE}`],
    ["gap detail (the largest gap)", `${I}/gaps/${topGap}?x=1`],
    ["sources", `${I}/sources?site=${SITE}`],
    ["outcomes", `${I}/outcomes?site=${SITE}`],
    ["quality", `${I}/quality?site=${SITE}`],
    ["costs", `${I}/costs?site=${SITE}`],
    ["answers (worst 50)", `${I}/answers?site=${SITE}`],
    ["leads", `${I}/leads?site=${SITE}`],
    ["topics.csv", `${I}/topics.csv?site=${SITE}`],
  ];
  for (const [name, base] of endpoints) {
    const cells: string[] = [];
    for (const days of [365, 30]) {
      const path = `${base.replace("?x=1", "?")}${base.includes("?") && !base.endsWith("?x=1") ? "&" : ""}days=${days}`;
      const times: number[] = [];
      for (let i = 0; i < 8; i++) {
        const t = performance.now();
        const res = await sb.admin(path);
        if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
        await res.arrayBuffer();
        if (i > 0) times.push(performance.now() - t);
      }
      cells.push(`${days} days: ${ms(pct(times, 50))} / ${ms(Math.max(...times))}`);
    }
    record(`GET ${name}`, cells.join("; "));
  }
  const digestTimes: number[] = [];
  for (let i = 0; i < 6; i++) {
    const t = performance.now();
    const res = await sb.admin(`${I}/digest?site=${SITE}`);
    if (!res.ok) throw new Error(`digest: ${res.status}`);
    await res.arrayBuffer();
    if (i > 0) digestTimes.push(performance.now() - t);
  }
  record("GET digest (last week against the week before)", `${ms(pct(digestTimes, 50))} / ${ms(Math.max(...digestTimes))}`);
});
