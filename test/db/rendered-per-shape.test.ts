import { env } from "cloudflare:workers";
import { and, desc, eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import * as keyset from "../../src/platform/db/keyset";
import { type Literal, literal, renderedPerShape } from "../../src/platform/db/rendered-once";
import { openRequestDatabase } from "../../src/platform/db/request-database";
import { contacts } from "../../src/platform/db/schema";
import { listContactsQuery } from "../../src/surfaces/training-api/contacts/contacts.repository";
import { ACME, GLOBEX } from "../helpers/seed";

/*
 * Statements rendered once per shape (the list pages): a call binds its own values to the text
 * its shape rendered, and nothing of another call's values, given or not, reaches it.
 */

type Values = {
  organizationId: string;
  email?: string | undefined;
  tags?: string[] | undefined;
  active?: boolean | undefined;
};

const page = renderedPerShape<Values, "newest" | "oldest">((db, p, order) =>
  db
    .select({ id: contacts.id })
    .from(contacts)
    .where(
      and(
        eq(contacts.organizationId, p.organizationId),
        p.email ? eq(contacts.email, p.email) : undefined,
        ...(p.tags ?? []).map((tag) => sql`${contacts.firstName} <> ${tag}`),
        p.active ? sql`${p.active} = 1` : undefined,
      ),
    )
    .orderBy(order === "newest" ? desc(contacts.createdAt) : contacts.createdAt),
);

describe("renderedPerShape", () => {
  it("binds each call's values to its shape's text, the same text for the same shape", () => {
    const first = page({ organizationId: ACME, email: "a@example.com" });
    const second = page({ organizationId: GLOBEX, email: "b@example.com" });
    expect(second.sql).toBe(first.sql);
    expect(first.params).toEqual([ACME, "a@example.com"]);
    expect(second.params).toEqual([GLOBEX, "b@example.com"]);
  });

  it("a value left out takes no part: no condition, no parameter", () => {
    const withEmail = page({ organizationId: ACME, email: "a@example.com" });
    const without = page({ organizationId: ACME, email: undefined });
    expect(without.sql).not.toBe(withEmail.sql);
    expect(without.sql).not.toContain('"email"');
    expect(without.params).toEqual([ACME]);
    // … and given again, it is back, with this call's value.
    expect(page({ organizationId: GLOBEX, email: "c@example.com" }).params).toEqual([
      GLOBEX,
      "c@example.com",
    ]);
  });

  it("a list binds each item; its length is part of the shape", () => {
    const one = page({ organizationId: ACME, tags: ["x"] });
    const two = page({ organizationId: ACME, tags: ["y", "z"] });
    expect(two.sql).not.toBe(one.sql);
    expect(one.params).toEqual([ACME, "x"]);
    expect(two.params).toEqual([ACME, "y", "z"]);
  });

  it("a boolean binds as 1 or 0, and false is a value given", () => {
    expect(page({ organizationId: ACME, active: true }).params).toEqual([ACME, 1]);
    const off = page({ organizationId: ACME, active: false });
    expect(off.params).toEqual([ACME, 0]);
    expect(off.sql).toContain("= 1");
  });

  it("the shape chooses the branch the builder takes", () => {
    const newest = page({ organizationId: ACME }, "newest");
    const oldest = page({ organizationId: ACME }, "oldest");
    expect(newest.sql).toMatch(/order by "contacts"."created_at" desc$/);
    expect(oldest.sql).toMatch(/order by "contacts"."created_at"$/);
  });
});

describe("literals", () => {
  const sized = renderedPerShape<{ organizationId: string; limit: Literal }>((db, p) =>
    db
      .select({ id: contacts.id })
      .from(contacts)
      .where(eq(contacts.organizationId, p.organizationId))
      .limit(p.limit as unknown as number),
  );

  it("are written into the text, not bound; each value has its own text", () => {
    const twenty = sized({ organizationId: ACME, limit: literal(20) });
    const five = sized({ organizationId: GLOBEX, limit: literal(5) });
    expect(twenty.sql).toMatch(/ limit 20$/);
    expect(five.sql).toMatch(/ limit 5$/);
    expect(twenty.params).toEqual([ACME]);
    expect(five.params).toEqual([GLOBEX]);
    // The first value's text is not another value's: asked again, each is its own.
    expect(sized({ organizationId: ACME, limit: literal(20) }).sql).toBe(twenty.sql);
    expect(sized({ organizationId: ACME, limit: literal(7) }).sql).toMatch(/ limit 7$/);
  });

  it("are non-negative integers, checked when made and again when written", () => {
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 60])
      expect(() => literal(bad)).toThrow(RangeError);
    const forged = { literal: "1; drop table contacts" } as unknown as Literal;
    expect(() => sized({ organizationId: ACME, limit: forged })).toThrow(RangeError);
  });

  it("a page's size is one: keyset pages write their limit", () => {
    const pageOf = renderedPerShape<keyset.PageValues>((db, p) =>
      db
        .select({ id: contacts.id })
        .from(contacts)
        .orderBy(...keyset.page(contacts.createdAt, contacts.id, p).order)
        .limit(keyset.page(contacts.createdAt, contacts.id, p).limit),
    );
    const statement = pageOf(keyset.values(undefined, 21));
    expect(statement.sql).toMatch(/ limit 21$/);
    expect(statement.params).toEqual([]);
  });
});

describe("keyset pages", () => {
  const range = renderedPerShape<keyset.PageValues>((db, p) =>
    db
      .select({ id: contacts.id })
      .from(contacts)
      .where(and(...keyset.page(contacts.createdAt, contacts.id, p).range)),
  );

  it("one upper bound: the cursor when it is tighter than createdBefore, else createdBefore", () => {
    const cursor = { createdAt: 5, id: "m" };
    const tighter = range(keyset.values(cursor, 20, { createdAfter: 1, createdBefore: 9 }));
    expect(tighter.sql).toContain('("contacts"."created_at", "contacts"."id") < (?, ?)');
    expect(tighter.params).toEqual([1, 5, "m"]);
    const looser = range(keyset.values(cursor, 20, { createdBefore: 3 }));
    expect(looser.sql).not.toContain('"id") <');
    expect(looser.sql).toContain('"contacts"."created_at" < ?');
    expect(looser.params).toEqual([3]);
    expect(range(keyset.values(undefined, 20)).params).toEqual([]);
  });
});

describe("a list page rendered once per shape", () => {
  it("answers each call's own filters on the real D1, in any order", async () => {
    const db = openRequestDatabase(env.DB);
    const read = (filters: Parameters<typeof listContactsQuery>[1]) =>
      db.readPage<{ doc: string; createdAt: number; id: string }>(
        listContactsQuery(ACME, filters, undefined, 100),
      );
    const all = await read({});
    const emails = all.map((row) => JSON.parse(row.doc).email).filter(Boolean) as string[];
    expect(emails.length).toBeGreaterThan(1);
    for (const email of emails) {
      const found = await read({ email });
      expect(found.map((row) => JSON.parse(row.doc).email)).toEqual([email]);
    }
    expect(await read({})).toEqual(all);
  });
});
