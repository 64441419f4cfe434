/**
 * `npm run eval [-- options]`: runs a question set against a site and scores the answers.
 *
 * By default it starts its own Switchboard in workerd with the seeded demo and asks the demo
 * set (eval/demo-set.json): with no model configured that is the offline provider; with a
 * model's environment (OPENAI_API_KEY, OPENAI_BASE_URL, …) the same questions go to the
 * model. `--url`/`--token`/`--site` point it at a running instance instead; `--set FILE`
 * asks your own questions (format: eval/format.ts). See README "Eval".
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import build from "../test/global-setup";
import { ADMIN_TOKEN, LOCAL_ORIGIN, startSwitchboard } from "../test/helpers/switchboard";
import { startEmbeddingsServer } from "../test/helpers/embeddings-server";
import { SwitchboardClient, siteOrigin, type Target } from "./client";
import { comparisonTable, compareEmbeddings, type Comparison, type EmbeddingsTarget } from "./embeddings";
import { parseQuestionSet, type QuestionSet, siteQuestionSet } from "./format";
import { failures, meetsTargets, type Result, runEval, type Summary, summarize, summaryTable, targetLine } from "./run";

const ROOT = resolve(import.meta.dirname, "..");
const DEMO_SET = join(ROOT, "eval", "demo-set.json");
/** Asked beside the demo set when measuring the embedding index (`--embeddings`). */
const TYPOS_SET = join(ROOT, "eval", "typos-set.json");
/** Environment a model needs, passed to the workerd the eval starts. */
const MODEL_ENV = /^(?:OPENAI|ANTHROPIC|GOOGLE|GEMINI|XAI|DEEPSEEK|QWEN|DASHSCOPE|GLM|ZHIPU|OLLAMA|MODEL|SECRET)_|^MAX_DELEGATION_DEPTH$/;

const USAGE = `npm run eval -- [options]
  --set FILE          question set (JSON, see eval/format.ts; default eval/demo-set.json)
  --site-set          ask the site's own stored eval set instead (its eval cases, read through
                      the admin API: what content gaps turned into drafts added; needs insights:read)
  --url URL           a running Switchboard (default: start one in workerd with the seeded demo)
  --token TOKEN       admin token for --url (needs conversations:read, agents:read, sites:read)
  --site KEY          the site to ask (default: the set's "site", else "demo")
  --org ORG           the site's org (default: the set's "org", else the site key)
  --origin ORIGIN     an origin the site allows (default: its first allowed origin)
  --model JSON        merged into every agent's "model" before asking (own workerd only),
                      e.g. '{"provider":"openai","name":"gpt-4.1-mini"}'
  --grader MODEL      also ask this OpenAI-compatible model whether each answer is supported
                      by its sources (OPENAI_API_KEY / OPENAI_BASE_URL)
  --concurrency N     questions asked at once (default 4)
  --json FILE         write every question's answer and score as JSON
  --write / --no-write  write the scores into BENCHMARKS.md (default: only for the demo set on
                      the built-in demo)
  --check             exit with 1 when a target is missed (for CI)
  --embeddings [scripted|URL]
                      measure the embedding index instead: ask the set (default: the demo set
                      and eval/typos-set.json) with BM25 alone, turn the org's embeddings on,
                      ask again, and compare. "scripted" (the default) is the test suite's
                      hashed embeddings server; a URL is any OpenAI-compatible /v1 endpoint
  --embeddings-model NAME   the endpoint's model (default text-embedding-3-small)
  --embeddings-secret NAME  the org secret holding the endpoint's key`;

export async function main(argv: string[]): Promise<number> {
  // A bare `--embeddings` means the scripted server.
  const args = argv.flatMap((a, i) => (a === "--embeddings" && (argv[i + 1] === undefined || argv[i + 1]!.startsWith("--")) ? [a, "scripted"] : [a]));
  const { values } = parseArgs({
    args,
    options: {
      set: { type: "string" },
      "site-set": { type: "boolean" },
      url: { type: "string" },
      token: { type: "string" },
      site: { type: "string" },
      org: { type: "string" },
      origin: { type: "string" },
      model: { type: "string" },
      grader: { type: "string" },
      concurrency: { type: "string" },
      json: { type: "string" },
      write: { type: "boolean" },
      "no-write": { type: "boolean" },
      check: { type: "boolean" },
      embeddings: { type: "string" },
      "embeddings-model": { type: "string" },
      "embeddings-secret": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values.set && values["site-set"]) throw new Error("give --set or --site-set, not both");
  const setPath = values["site-set"] ? "(the site's stored eval set)" : resolve(values.set ?? DEMO_SET);
  let set = values["site-set"] ? null : parseQuestionSet(JSON.parse(readFileSync(setPath, "utf8")));
  const site = values.site ?? set?.site ?? "demo";
  const org = values.org ?? set?.org ?? site;
  const concurrency = Number(values.concurrency ?? 4);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 32) throw new Error("--concurrency must be 1–32");
  if (values.model && values.url) throw new Error("--model changes agents: use it with the eval's own workerd, not --url");
  const patch = values.model ? (JSON.parse(values.model) as Record<string, unknown>) : null;

  const embeddingsMode = values.embeddings;
  let scripted: Awaited<ReturnType<typeof startEmbeddingsServer>> | null = null;
  if (embeddingsMode === "scripted") scripted = await startEmbeddingsServer();

  let close = async () => {
    await scripted?.close();
  };
  let target: Target;
  let where: string;
  if (values.url) {
    const url = values.url.replace(/\/+$/, "");
    const token = values.token ?? localAdminToken();
    if (!token) throw new Error("--token is required with --url (or ADMIN_TOKEN in .dev.vars)");
    const origin = values.origin ?? (await siteOrigin(url, token, org, site));
    if (!origin) throw new Error(`cannot read site ${site} of org ${org}: give --org and --origin`);
    target = { url, token, site, org, origin };
    where = url;
  } else {
    const started = await startOwn(scripted ? [scripted.baseURL] : []);
    close = async () => {
      await started.close();
      await scripted?.close();
    };
    target = { url: started.url, token: started.token, site, org, origin: started.origin };
    where = "its own workerd with the seeded demo";
  }

  try {
    const client = new SwitchboardClient(target);
    if (!set) {
      const cases = await client.evalCases();
      if (!cases) throw new Error(`cannot read the eval cases of site ${site} of org ${org} (the token needs insights:read)`);
      set = siteQuestionSet(site, org, cases);
    }
    const questions = set;
    if (patch) {
      for (const agent of (await client.agents()) ?? []) await client.putAgent({ ...agent, model: { ...agent.model, ...patch } });
    }
    const provider = await fetch(`${target.url}/api/health`)
      .then((r) => r.json() as Promise<{ provider?: string }>)
      .then((h) => h.provider ?? "?")
      .catch(() => "?");
    const model = patch ? JSON.stringify(patch) : provider;
    const grader = values.grader ? modelGrader(values.grader) : undefined;
    if (embeddingsMode) {
      const embeddings: EmbeddingsTarget = scripted
        ? { baseURL: scripted.baseURL, model: "hashed-trigrams" }
        : { baseURL: embeddingsMode, model: values["embeddings-model"] ?? "text-embedding-3-small", ...(values["embeddings-secret"] ? { apiKeySecret: values["embeddings-secret"] } : {}) };
      const sets = [{ path: setPath, set }, ...(values.set ? [] : [{ path: TYPOS_SET, set: parseQuestionSet(JSON.parse(readFileSync(TYPOS_SET, "utf8"))) }])];
      const rows = await compareEmbeddings(
        client,
        sets.map((s) => ({ name: `\`${relative(s.path)}\``, set: s.set })),
        embeddings,
        { concurrency, log: (line) => console.log(line) },
      );
      const table = comparisonTable(rows);
      console.log(`\n${table}\n`);
      if (values["no-write"] ? false : values.write || (!values.url && !patch)) {
        writeBenchmarks(embeddingsBlock(rows, scripted ? "the scripted embeddings server, test/helpers/hashed-embeddings.ts: hashed words and letter trigrams" : `${embeddings.model} at ${embeddings.baseURL}`, model), true);
        console.log("Comparison written to BENCHMARKS.md.");
      }
      return rows.some((r) => r.lost.length || r.with.wrong > r.without.wrong) && values.check ? 1 : 0;
    }
    const ask = async (path: string, questions: QuestionSet) => {
      console.log(`Asking ${questions.questions.length} questions (${relative(path)}) to site "${site}" on ${where}; provider: ${model}`);
      const results = await runEval(client, questions, {
        concurrency,
        ...(grader ? { grader } : {}),
        onResult: (_r, done, total) => {
          if (process.stdout.isTTY) process.stdout.write(`\r${done}/${total}`);
        },
      });
      if (process.stdout.isTTY) process.stdout.write("\r");
      const notes = failures(results);
      if (notes.length) console.log(`\nNot right (${notes.length}):\n${notes.map((n) => `- ${n}`).join("\n")}\n`);
      return results;
    };
    const results = await ask(setPath, questions);
    const summary = summarize(results);
    const table = summaryTable(summary);
    console.log(`\n${table}\n`);
    if (values.json) writeFileSync(resolve(values.json), JSON.stringify(results.map(resultJson), null, 2));
    const builtIn = !values.url && !values.set && !values["site-set"] && !patch;
    // The demo's held-out sets, asked too when the demo set is: how it does on questions it was not tuned on.
    const heldOut: { path: string; summary: Summary }[] = [];
    if (!values.set && !values["site-set"]) {
      for (const file of readdirSync(join(ROOT, "eval")).filter((f) => /^holdout.*\.json$/.test(f)).sort()) {
        const path = join(ROOT, "eval", file);
        heldOut.push({ path, summary: summarize(await ask(path, parseQuestionSet(JSON.parse(readFileSync(path, "utf8"))))) });
        console.log(`${relative(path)}: ${targetLine(heldOut[heldOut.length - 1]?.summary as Summary)}\n`);
      }
    }
    if (values["no-write"] ? false : values.write || builtIn) {
      writeBenchmarks(evalBlock(questions, setPath, model, table, heldOut));
      console.log("Scores written to BENCHMARKS.md.");
    }
    if (values.check && !meetsTargets(summary)) {
      console.error("Targets missed.");
      return 1;
    }
    return 0;
  } finally {
    await close();
  }
}

async function startOwn(allowPrivate: string[] = []): Promise<{ url: string; token: string; origin: string; close: () => Promise<void> }> {
  // The same build and workerd the test suite uses: the worker bundle as `wrangler deploy` makes it.
  build();
  const vars = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => MODEL_ENV.test(e[0]) && typeof e[1] === "string"));
  const sb = await startSwitchboard({ seed: true, vars, allowPrivate });
  return { url: sb.url, token: ADMIN_TOKEN, origin: LOCAL_ORIGIN, close: () => sb.close() };
}

function localAdminToken(): string | undefined {
  try {
    return readFileSync(join(ROOT, ".dev.vars"), "utf8").match(/^ADMIN_TOKEN\s*=\s*"?([^"\n]+)"?/m)?.[1];
  } catch {
    return undefined;
  }
}

/** An OpenAI-compatible model asked, per answer: is every claim supported by the sources? */
function modelGrader(model: string) {
  const key = process.env.OPENAI_API_KEY;
  if (!key) throw new Error("--grader needs OPENAI_API_KEY");
  const base = (process.env.OPENAI_BASE_URL ?? "https://api.openai.com/v1").replace(/\/+$/, "");
  return async (reply: string, sources: string[]): Promise<boolean | null> => {
    const res = await fetch(`${base}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({
        model,
        messages: [
          { role: "system", content: "You check answers against sources. Reply with one word: YES if every factual claim in the answer is supported by the sources, NO otherwise." },
          { role: "user", content: `Sources:\n${sources.map((s, i) => `[${i + 1}] ${s.slice(0, 4000)}`).join("\n\n")}\n\nAnswer:\n${reply}` },
        ],
      }),
    });
    if (!res.ok) return null;
    const body = (await res.json()) as { choices?: { message?: { content?: string } }[] };
    const word = body.choices?.[0]?.message?.content?.trim().toUpperCase() ?? "";
    return word.startsWith("YES") ? true : word.startsWith("NO") ? false : null;
  };
}

function resultJson(r: Result) {
  return { id: r.question.id, type: r.question.type, q: r.question.q, reply: r.answer.reply, sources: r.answer.sources, agents: r.answer.agents, ...r.score };
}

const relative = (path: string) => (path.startsWith(ROOT) ? path.slice(ROOT.length + 1) : path);

export const EVAL_START = "<!-- eval:start -->";
export const EVAL_END = "<!-- eval:end -->";
/** The embedding comparison, kept inside the eval block (which `npm run bench` preserves). */
export const EMBEDDINGS_START = "<!-- eval-embeddings:start -->";
export const EMBEDDINGS_END = "<!-- eval-embeddings:end -->";

function embeddingsBlock(rows: Comparison[], endpoint: string, provider: string): string {
  const date = new Date().toISOString().slice(0, 10);
  return [
    EMBEDDINGS_START,
    "### With the embedding index (`npm run eval -- --embeddings`)",
    "",
    `Measured on ${date}: each set asked with BM25 alone, then with the org's embedding index on (${endpoint}), fused with BM25 by reciprocal rank fusion; provider: ${provider}. *Gained*: right only with embeddings; *lost*: right only without.`,
    "",
    comparisonTable(rows),
    EMBEDDINGS_END,
  ].join("\n");
}

function evalBlock(set: QuestionSet, setPath: string, model: string, table: string, heldOut: { path: string; summary: Summary }[]): string {
  const date = new Date().toISOString().slice(0, 10);
  return [
    EVAL_START,
    "## Answer quality (`npm run eval`)",
    "",
    `Measured by \`npm run eval\` on ${date}: the ${set.questions.length} questions of \`${relative(setPath)}\` asked to the seeded demo, provider: ${model}. See README "Eval" for what each column means.`,
    "",
    table,
    ...(heldOut.length
      ? ["", "Held-out sets (written after the provider was tuned on the demo set; see README \"Eval\" for their first runs):", "", ...heldOut.map((h) => `- \`${relative(h.path)}\` (${h.summary.total.n} questions): ${targetLine(h.summary)}`)]
      : []),
    EVAL_END,
  ].join("\n");
}

/**
 * Replaces the eval block of BENCHMARKS.md (or appends one); the rest of the file is `npm run
 * bench`'s. The embedding comparison inside it is kept when the main table is rewritten, and
 * is what `embeddingsOnly` replaces.
 */
function writeBenchmarks(block: string, embeddingsOnly = false): void {
  const path = join(ROOT, "BENCHMARKS.md");
  let current = "";
  try {
    current = readFileSync(path, "utf8");
  } catch {
    current = "# Benchmarks\n";
  }
  const start = current.indexOf(EVAL_START);
  const end = current.indexOf(EVAL_END);
  const existing = start >= 0 && end > start ? current.slice(start, end + EVAL_END.length) : null;
  const inner = (text: string | null) => {
    const a = text?.indexOf(EMBEDDINGS_START) ?? -1;
    const b = text?.indexOf(EMBEDDINGS_END) ?? -1;
    return text && a >= 0 && b > a ? text.slice(a, b + EMBEDDINGS_END.length) : null;
  };
  let next: string;
  if (embeddingsOnly) {
    const old = inner(existing);
    next = existing
      ? old
        ? existing.replace(old, block)
        : existing.replace(EVAL_END, `\n${block}\n${EVAL_END}`)
      : `${EVAL_START}\n${block}\n${EVAL_END}`;
  } else {
    const kept = inner(existing);
    next = kept ? block.replace(EVAL_END, `\n${kept}\n${EVAL_END}`) : block;
  }
  const out = existing ? current.replace(existing, next) : `${current.trimEnd()}\n\n${next}\n`;
  writeFileSync(path, out);
}
