import { describe, expect, it } from "vitest";
import { createRouteTable } from "../../src/platform/http/route-table";

describe("route table", () => {
  const table = createRouteTable([
    { method: "ALL", path: "*" },
    { method: "GET", path: "/api/training/snapshots/:id" },
    { method: "PATCH", path: "/api/training/snapshots/:id" },
    { method: "POST", path: "/api/auth/login" },
  ]);

  it("lists the methods a path allows, HEAD with GET", () => {
    expect(table.match("DELETE", "/api/training/snapshots/abc").allowed.sort()).toEqual([
      "GET",
      "HEAD",
      "PATCH",
    ]);
    expect(table.match("GET", "/api/auth/login").allowed).toEqual(["POST"]);
  });

  it("finds nothing for an unknown path", () => {
    expect(table.match("GET", "/api/training/nope/abc")).toEqual({ allowed: [] });
  });

  it("names an empty parameter for the method that has the route", () => {
    expect(table.match("GET", "/api/training/snapshots/")).toEqual({
      allowed: [],
      emptyParam: "id",
    });
    expect(table.match("POST", "/api/training/snapshots/")).toEqual({ allowed: [] });
  });
});
