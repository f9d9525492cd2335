import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";
import { NonRetryableError } from "cloudflare:workflows";
import {
  type Checksum,
  checksumTable,
  copyTable,
  DELETE_ORDER,
  deleteRows,
  fenceTarget,
  freezeSource,
  MOVED_TABLES,
  type MovePlan,
  MoveRefused,
  type MoveRequest,
  planMove,
  START,
  switchShards,
} from "./move-organization";

/** Each step: retried five times, two seconds apart and growing, then the move stops. */
const STEP = {
  retries: { limit: 5, delay: "2 seconds", backoff: "exponential" },
  timeout: "5 minutes",
} as const;

export interface MovedTableSummary {
  table: string;
  rows: number;
  /** Characters of the rows' JSON, as copied. */
  bytes: number;
  checksum: string;
}

export interface MoveSummary {
  organizationId: string;
  from: string;
  to: string;
  /** Where this run began: `copy` (a whole move), `switch` or `cleanup` (a stopped move resumed), `done`. */
  began: MovePlan["phase"];
  tables: MovedTableSummary[];
  /** Source rows deleted after the switch. */
  deleted: number;
  ms: number;
}

/**
 * `npm run admin -- move-org` (docs/sharding.md): one organization moved to another shard, as
 * durable steps (move-organization.ts). A Workflow keeps each step's result, retries a step that
 * fails and resumes after a crash at the step it was at; every step is safe to run again.
 */
export class MoveOrganization extends WorkflowEntrypoint<Env, MoveRequest> {
  override async run(event: WorkflowEvent<MoveRequest>, step: WorkflowStep): Promise<MoveSummary> {
    const env = this.env;
    const started = await step.do("start", async () => Date.now());
    const plan = await step.do("plan", STEP, async () => {
      try {
        return await planMove(env, event.payload);
      } catch (error) {
        if (error instanceof MoveRefused) throw new NonRetryableError(error.message);
        throw error;
      }
    });
    const { organizationId } = plan;
    const tables: MovedTableSummary[] = [];

    if (plan.phase === "copy") {
      await step.do("fence target", STEP, () => fenceTarget(env, plan));
      await step.do("freeze source", STEP, () => freezeSource(env, plan));
      // What an earlier, stopped move left on the target goes first.
      for (const table of DELETE_ORDER) {
        for (let n = 1, done = false; !done; n++) {
          ({ done } = await step.do(`clear ${table} ${n}`, STEP, () =>
            deleteRows(env, plan.to, organizationId, table),
          ));
        }
      }
      const copied = new Map<string, { rows: number; bytes: number }>();
      for (const { name } of MOVED_TABLES) {
        const total = { rows: 0, bytes: 0 };
        for (let n = 1, cursor: number | null = 0; cursor !== null; n++) {
          const after: number = cursor;
          const progress = await step.do(`copy ${name} ${n}`, STEP, () =>
            copyTable(env, plan, name, after),
          );
          cursor = progress.cursor;
          total.rows += progress.rows;
          total.bytes += progress.bytes;
        }
        copied.set(name, total);
      }
      for (const { name } of MOVED_TABLES) {
        const source = await this.checksum(step, plan.from, organizationId, name);
        const target = await this.checksum(step, plan.to, organizationId, name);
        if (source.rows !== target.rows || source.sum !== target.sum) {
          // Something changed the frozen source, or the copy: the organization stays on the
          // source, frozen; a new move clears the target and copies again.
          throw new NonRetryableError(
            `${name}: ${source.rows} rows (checksum ${source.sum}) on ${plan.from}, ${target.rows} (${target.sum}) on ${plan.to}`,
          );
        }
        tables.push({
          table: name,
          rows: source.rows,
          bytes: copied.get(name)?.bytes ?? 0,
          checksum: source.sum,
        });
      }
    }
    if (plan.phase === "copy" || plan.phase === "switch") {
      await step.do("switch", STEP, () => switchShards(env, plan));
    }
    let deleted = 0;
    if (plan.phase !== "done") {
      for (const table of DELETE_ORDER) {
        for (let n = 1, done = false; !done; n++) {
          const page = await step.do(`delete ${table} ${n}`, STEP, () =>
            deleteRows(env, plan.from, organizationId, table),
          );
          deleted += page.deleted;
          done = page.done;
        }
      }
    }
    const finished = await step.do("finish", async () => Date.now());
    return {
      organizationId,
      from: plan.from,
      to: plan.to,
      began: plan.phase,
      tables,
      deleted,
      ms: finished - started,
    };
  }

  /** The table's count and checksum on one shard, in as many steps as it takes. */
  private async checksum(
    step: WorkflowStep,
    binding: string,
    organizationId: string,
    table: string,
  ): Promise<Checksum> {
    let sum: Checksum = START;
    for (let n = 1; sum.cursor !== null; n++) {
      const partial = sum;
      sum = await step.do(`checksum ${table} on ${binding} ${n}`, STEP, () =>
        checksumTable(this.env, binding, organizationId, table, partial),
      );
    }
    return sum;
  }
}
