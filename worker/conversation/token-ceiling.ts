/**
 * The conversation's token ceiling: everything its turns spend — its own runs and every
 * delegated run under them — counted in its own object, so one visitor cannot make the bot
 * spend without bound. Spend is stored (it survives a restart); reservations are held in
 * memory (whatever held them does not survive a restart either). The object handles one
 * call at a time between awaits, so a check and the reservation it allows see the same
 * count. The limit is the site's `conversationTokenLimit`, read when a turn starts.
 */
import { DEFAULT_CONVERSATION_TOKEN_LIMIT } from "../../shared/config";
import { type BudgetHit, type CeilingLedger, CONVERSATION_CEILING, fits } from "../engine/budget";

export class TokenCeiling implements CeilingLedger {
  private reserved = 0;
  /** The site's ceiling (set at each turn's start; the default until then). */
  limit = DEFAULT_CONVERSATION_TOKEN_LIMIT;

  constructor(private readonly sql: SqlStorage) {
    sql.exec("CREATE TABLE IF NOT EXISTS token_ceiling (k INTEGER PRIMARY KEY CHECK (k = 0), used INTEGER NOT NULL)");
  }

  used(): number {
    return this.sql.exec<{ used: number }>("SELECT used FROM token_ceiling WHERE k = 0").toArray()[0]?.used ?? 0;
  }

  private hit(estimate: number): BudgetHit | null {
    const used = this.used();
    if (fits(this.limit, { used, reserved: this.reserved }, estimate)) return null;
    return { ruleId: CONVERSATION_CEILING, period: "conversation", team: null, limit: this.limit, used };
  }

  async checkTokens(estimate: number): Promise<BudgetHit | null> {
    return this.hit(estimate);
  }

  async reserveTokens(estimate: number): Promise<BudgetHit | null> {
    const hit = this.hit(estimate);
    if (!hit) this.reserved += estimate;
    return hit;
  }

  async settleTokens(estimate: number, tokens: number): Promise<void> {
    this.reserved = Math.max(0, this.reserved - estimate);
    this.sql.exec(
      "INSERT INTO token_ceiling (k, used) VALUES (0, ?) ON CONFLICT (k) DO UPDATE SET used = used + excluded.used",
      Math.max(0, Math.round(tokens)),
    );
  }

  async releaseTokens(estimate: number): Promise<void> {
    this.reserved = Math.max(0, this.reserved - estimate);
  }
}
