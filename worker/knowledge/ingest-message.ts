/**
 * What travels on the INGEST queue: only which job to advance. Everything else (what was
 * asked, where the run stands, what it produced) is in the job's row in D1, so a message
 * delivered twice, late, or after a crash resumes the job from its last saved step.
 */
import { z } from "zod";

export const IngestMessage = z.object({
  v: z.literal(1),
  orgId: z.string().min(1).max(64),
  jobId: z.string().regex(/^job_[A-Za-z0-9_-]{1,64}$/),
});
export type IngestMessage = z.infer<typeof IngestMessage>;
