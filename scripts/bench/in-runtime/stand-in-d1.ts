/**
 * `npm run bench -- --runtime`: the D1 binding's shape over recorded answers, so that the app's
 * own work can be repeated inside workerd with no D1 emulation in the measurement.
 *
 * Recording: every call goes to the real (local) D1 and its answer is kept on the case's tape,
 * by SQL text, in the order the request asked (a statement sent twice in one request, before and
 * after a write, keeps both answers). Replay: the kept answers come back in a resolved promise,
 * each statement's answers in turn; a statement never recorded throws. Params are not looked at:
 * a replayed request gets the answers its recording got, whatever ids it generated.
 *
 * A statement missing from a case's tape but recorded by another case (an isolate cache expiring
 * in the middle of a loop: the API key check, the shard directory) gets that case's last answer.
 * Replay finds a statement by the length of its SQL first and then compares the text (hashing
 * ~2 KB of text per lookup would be a cost of the stand-in, not of the app).
 */

type Answer = D1Result<Record<string, unknown>>;
/** `raw({ columnNames: true })`: the names, then each row's values (names may repeat). */
type RawAnswer = unknown[][];
type Kind = "rows" | "raw";
type Kept = { query: string; answers: (Answer | RawAnswer)[]; next: number };

/** Statements by the length of their SQL, for each kind of call. */
class Tape {
  private readonly byLength = { rows: new Map<number, Kept[]>(), raw: new Map<number, Kept[]>() };

  find(query: string, kind: Kind): Kept | undefined {
    const same = this.byLength[kind].get(query.length);
    if (!same) return undefined;
    for (const kept of same) if (kept.query === query) return kept;
    return undefined;
  }

  add(query: string, kind: Kind): Kept {
    const kept = { query, answers: [], next: 0 };
    const same = this.byLength[kind].get(query.length);
    if (same) same.push(kept);
    else this.byLength[kind].set(query.length, [kept]);
    return kept;
  }
}

export class Recorder {
  replay = false;
  private readonly tapes = new Map<string, Tape>();
  /** Every case's last answer per statement: the fallback of a tape that lacks one. */
  private readonly latest = new Tape();

  constructor(private readonly real: D1Database) {}

  private tape(name: string): Tape {
    let tape = this.tapes.get(name);
    if (!tape) {
      tape = new Tape();
      this.tapes.set(name, tape);
    }
    return tape;
  }

  keep<T extends Answer | RawAnswer>(name: string, query: string, answer: T, kind: Kind): T {
    const tape = this.tape(name);
    (tape.find(query, kind) ?? tape.add(query, kind)).answers.push(answer);
    const latest = this.latest.find(query, kind) ?? this.latest.add(query, kind);
    latest.answers = [answer];
    return answer;
  }

  answer(name: string, query: string, kind: "rows"): Answer;
  answer(name: string, query: string, kind: "raw"): RawAnswer;
  answer(name: string, query: string, kind: Kind): Answer | RawAnswer {
    const kept = this.tapes.get(name)?.find(query, kind) ?? this.latest.find(query, kind);
    if (!kept) throw new Error(`stand-in D1: nothing recorded for ${query}`);
    const answer = kept.answers[kept.next] as Answer | RawAnswer;
    kept.next = (kept.next + 1) % kept.answers.length;
    return answer;
  }

  /** A D1Database (or session) whose statements record onto or replay `name`'s tape. */
  database(name: string, real: D1Database | D1DatabaseSession = this.real): D1Database {
    const prepare = (query: string) => new Statement(this, name, real, query, []);
    return {
      prepare,
      batch: async (statements: Statement[]) => {
        if (this.replay) return statements.map((s) => this.answer(name, s.query, "rows"));
        const answers = await real.batch(statements.map((s) => s.real()));
        return answers.map((answer, i) =>
          this.keep(name, (statements[i] as Statement).query, answer as Answer, "rows"),
        );
      },
      withSession: (constraint?: string) =>
        this.replay
          ? this.database(name, real)
          : this.database(name, (real as D1Database).withSession(constraint)),
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
    private readonly name: string,
    private readonly db: D1Database | D1DatabaseSession,
    readonly query: string,
    private readonly values: unknown[],
  ) {}

  bind(...values: unknown[]) {
    return new Statement(this.recorder, this.name, this.db, this.query, values);
  }

  real(): D1PreparedStatement {
    return this.db.prepare(this.query).bind(...this.values);
  }

  private async result(): Promise<Answer> {
    if (this.recorder.replay) return this.recorder.answer(this.name, this.query, "rows");
    return this.recorder.keep(this.name, this.query, (await this.real().all()) as Answer, "rows");
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
      ? this.recorder.answer(this.name, this.query, "raw")
      : this.recorder.keep(
          this.name,
          this.query,
          (await this.real().raw({ columnNames: true })) as unknown[][],
          "raw",
        );
    return options?.columnNames ? answer : answer.slice(1);
  }
}
