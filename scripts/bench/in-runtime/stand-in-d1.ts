/**
 * `npm run bench -- --runtime`: the D1 binding's shape over recorded answers, so that the app's
 * own work can be repeated inside workerd with no D1 emulation in the measurement.
 *
 * Recording: every call goes to the real (local) D1 and its answer is kept by SQL text.
 * Replay: the kept answers come back in a resolved promise; a statement never recorded throws.
 * Replay finds a statement by the length of its SQL first (hashing ~2 KB of text per lookup
 * would be a cost of the stand-in, not of the app), and compares the whole text once per length.
 */

type Answer = D1Result<Record<string, unknown>>;
/** `raw({ columnNames: true })`: the names, then each row's values (names may repeat). */
type RawAnswer = unknown[][];
type Kept = { query: string; answer: Answer | RawAnswer; checked: boolean };

export class Recorder {
  replay = false;
  private readonly kept = { rows: new Map<number, Kept>(), raw: new Map<number, Kept>() };

  constructor(private readonly real: D1Database) {}

  keep<T extends Answer | RawAnswer>(query: string, answer: T, kind: "rows" | "raw" = "rows"): T {
    const byLength = this.kept[kind];
    const other = byLength.get(query.length);
    if (other && other.query !== query) {
      throw new Error(`stand-in D1: two statements of ${query.length} characters`);
    }
    byLength.set(query.length, { query, answer, checked: false });
    return answer;
  }

  answer(query: string): Answer;
  answer(query: string, kind: "raw"): RawAnswer;
  answer(query: string, kind: "rows" | "raw" = "rows"): Answer | RawAnswer {
    const found = this.kept[kind].get(query.length);
    if (!found) throw new Error(`stand-in D1: nothing recorded for ${query}`);
    if (!found.checked) {
      if (found.query !== query) throw new Error("stand-in D1: two statements of one length");
      found.checked = true;
    }
    return found.answer;
  }

  /** A D1Database (or session) whose statements record or replay. */
  database(real: D1Database | D1DatabaseSession = this.real): D1Database {
    const prepare = (query: string) => new Statement(this, real, query, []);
    return {
      prepare,
      batch: async (statements: Statement[]) => {
        if (this.replay) return statements.map((s) => this.answer(s.query));
        const answers = await real.batch(statements.map((s) => s.real()));
        return answers.map((answer, i) =>
          this.keep((statements[i] as Statement).query, answer as Answer),
        );
      },
      withSession: (constraint?: string) =>
        this.replay
          ? this.database(real)
          : this.database((real as D1Database).withSession(constraint)),
      getBookmark: () =>
        this.replay
          ? "00000001-00000002-00004f6c-0123456789abcdef0123456789abcdef"
          : ((real as D1DatabaseSession).getBookmark?.() ?? null),
      exec: () => Promise.reject(new Error("stand-in D1: exec is not used by the app")),
      dump: () => Promise.reject(new Error("stand-in D1: dump is not used by the app")),
    } as unknown as D1Database;
  }
}

class Statement {
  constructor(
    private readonly recorder: Recorder,
    private readonly db: D1Database | D1DatabaseSession,
    readonly query: string,
    private readonly values: unknown[],
  ) {}

  bind(...values: unknown[]) {
    return new Statement(this.recorder, this.db, this.query, values);
  }

  real(): D1PreparedStatement {
    return this.db.prepare(this.query).bind(...this.values);
  }

  private async result(): Promise<Answer> {
    if (this.recorder.replay) return this.recorder.answer(this.query);
    return this.recorder.keep(this.query, (await this.real().all()) as Answer);
  }

  all() {
    return this.result();
  }

  run() {
    return this.result();
  }

  async first(column?: string) {
    const row = (await this.result()).results[0];
    return (column === undefined ? row : row?.[column]) ?? null;
  }

  async raw(options?: { columnNames?: boolean }) {
    const answer = this.recorder.replay
      ? this.recorder.answer(this.query, "raw")
      : this.recorder.keep(
          this.query,
          (await this.real().raw({ columnNames: true })) as unknown[][],
          "raw",
        );
    return options?.columnNames ? answer : answer.slice(1);
  }
}
