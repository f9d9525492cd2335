import { beforeAll, describe, expect, it } from "vitest";
import { listContactsQuery } from "../../src/surfaces/training-api/contacts/contacts.repository";
import { request } from "../helpers/app";
import { tokenFor } from "../helpers/auth";
import { insertContact, insertSnapshot, uniquePhone } from "../helpers/factories";
import { queryPlan } from "../helpers/plans";
import { ACME, BOB, GLOBEX } from "../helpers/seed";

/*
 * `q` of 1 or 2 characters is tested on the listed rows rather than through the trigram index;
 * it is as case-insensitive as a longer one, for every letter, not only ASCII ones.
 */

type Body = Record<string, any>;

async function ids(path: string, organization: "acme" | "globex" = "acme") {
  const token =
    organization === "acme"
      ? await tokenFor()
      : await tokenFor({ userId: BOB, organizationId: GLOBEX });
  const response = await request(path, { headers: { authorization: `Bearer ${token}` } });
  const body = (await response.json()) as Body;
  expect(response.status, JSON.stringify(body)).toBe(200);
  return (body.data as Body[]).map((item) => item._id as string);
}
const contacts = (q: string) => ids(`/api/contacts?limit=100&q=${encodeURIComponent(q)}`);
const snapshots = (q: string) =>
  ids(`/api/training/snapshots?limit=100&q=${encodeURIComponent(q)}`);

describe("short searches ignore case in every script", () => {
  const contact: Record<string, string> = {};
  const snapshot: Record<string, string> = {};

  beforeAll(async () => {
    const people = {
      emile: ["Émile", "Ößwald"],
      strasse: ["ÆSA", "STRAẞE"],
      zoe: ["Zoë", "Łukasz"],
      marie: ["Marie", "Curie"],
      glob: ["Star*", "[x]?"],
    } as const;
    for (const [key, [firstName, lastName]] of Object.entries(people)) {
      const row = await insertContact({
        firstName,
        lastName,
        email: null,
        phoneNumber: uniquePhone(),
      });
      contact[key] = row.id;
      const made = await insertSnapshot({
        fields: { customerName: `${firstName} ${lastName}`, notes: "Call 1" },
      });
      snapshot[key] = made.snapshot.id;
    }
  });

  it.each([
    ["é", ["emile"]],
    ["É", ["emile"]],
    ["ém", ["emile"]],
    ["ÉM", ["emile"]],
    ["eM", []],
    ["ö", ["emile"]],
    ["ÖSS", []],
    ["ß", ["emile", "strasse"]],
    ["ẞ", ["emile", "strasse"]],
    ["æ", ["strasse"]],
    ["ł", ["zoe"]],
    ["Ë", ["zoe"]],
    ["ma", ["marie"]],
    ["MA", ["marie"]],
    ["*", ["glob"]],
    ["?", ["glob"]],
    ["[", ["glob"]],
    ["]", ["glob"]],
    ["r*", ["glob"]],
    ["émi", ["emile"]],
  ])("contacts and snapshots: q=%s", async (q, expected) => {
    const people = Object.keys(contact);
    const foundContacts = await contacts(q);
    const foundSnapshots = await snapshots(q);
    for (const key of people) {
      expect(foundContacts.includes(contact[key] as string), `contact ${key}`).toBe(
        expected.includes(key),
      );
      expect(foundSnapshots.includes(snapshot[key] as string), `snapshot ${key}`).toBe(
        expected.includes(key),
      );
    }
  });

  it("only within the caller's organization", async () => {
    expect(await ids("/api/contacts?q=%C3%A9", "globex")).not.toContain(contact.emile);
    expect(await ids("/api/training/snapshots?q=%C3%A9", "globex")).not.toContain(snapshot.emile);
  });

  it("still walks the organization's index in list order (no scan, no sort)", async () => {
    const query = listContactsQuery(ACME, { q: "é" }, undefined, 21);
    const plan = (await queryPlan(query)).join(" | ");
    expect(plan).toMatch(
      /^SEARCH contacts USING INDEX contacts_org_created_idx \(organization_id=\?\)/,
    );
    expect(plan).not.toMatch(/TEMP B-TREE/);
  });

  it("q with a control character is a 400 naming it", async () => {
    for (const path of ["/api/contacts?q=a%00", "/api/training/snapshots?q=%1B"]) {
      const response = await request(path, {
        headers: { authorization: `Bearer ${await tokenFor()}` },
      });
      const body = (await response.json()) as Body;
      expect(response.status, path).toBe(400);
      expect(body.details).toEqual([
        { field: "query.q", rule: "pattern", message: "must not contain control characters" },
      ]);
    }
  });
});
