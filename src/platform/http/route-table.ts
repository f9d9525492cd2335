interface RouteEntry {
  method: string;
  path: string;
}

interface CompiledRoute {
  method: string;
  pattern: RegExp;
  params: string[];
}

export interface RouteMatch {
  /** Methods registered for this path, for a 405's `Allow` header. */
  allowed: string[];
  /** A route exists for this method if a path parameter were not empty: its name, for a 400. */
  emptyParam?: string;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function compile(route: RouteEntry): CompiledRoute {
  const params: string[] = [];
  const source = route.path
    .split("/")
    .map((segment) => {
      if (!segment.startsWith(":")) return escapeRegExp(segment);
      params.push(segment.slice(1).replace(/\{.*\}$/, ""));
      // Empty allowed on purpose: `/snapshots/` is a request for a snapshot with no id.
      return "([^/]*)";
    })
    .join("/");
  return { method: route.method, pattern: new RegExp(`^${source}$`), params };
}

/**
 * What the router could not tell us when it finds no handler: whether the path exists under
 * another method (405) or exists with an empty parameter (400), rather than not at all (404).
 */
export function createRouteTable(routes: readonly RouteEntry[]) {
  const compiled = routes
    .filter((route) => route.method !== "ALL" && !route.path.includes("*"))
    .map(compile);

  return {
    match(method: string, path: string): RouteMatch {
      const allowed = new Set<string>();
      let emptyParam: string | undefined;
      for (const route of compiled) {
        const found = route.pattern.exec(path);
        if (!found) continue;
        const empty = route.params.findIndex((_, i) => found[i + 1] === "");
        if (empty === -1) {
          allowed.add(route.method);
          if (route.method === "GET") allowed.add("HEAD");
        } else if (route.method === method || (method === "HEAD" && route.method === "GET")) {
          emptyParam = route.params[empty];
        }
      }
      return { allowed: [...allowed], ...(emptyParam ? { emptyParam } : {}) };
    },
  };
}
