// `npm run eval`: loads the eval (TypeScript, in eval/) through Vite's module runner — the
// TypeScript loader the project already has — and runs it. See eval/cli.ts and README "Eval".
import { join } from "node:path";
import { runnerImport } from "vite";

const root = join(import.meta.dirname, "..");
const { module } = await runnerImport(join(root, "eval", "cli.ts"), { configFile: false, logLevel: "error", root });
try {
  process.exitCode = await module.main(process.argv.slice(2));
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 2;
}
