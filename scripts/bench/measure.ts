/**
 * One measurement: a URL under load from autocannon, 8 connections, after a 1-second warm-up.
 * The first answer must be the expected status (200 for a read), or the measurement would time
 * an error page. A write sends a body; `body` may be a function of the request's number, so
 * that each request writes something new (a contact's phone number).
 */
import autocannon from "autocannon";
import { say, status } from "./report";

const CONNECTIONS = 8;

export interface Measurement {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Answers that were not a 2xx, timeouts and connection errors. */
  errors: number;
}

export interface Write {
  method: "POST" | "PATCH";
  body: (n: number) => string;
  status: number;
}

let written = 0;

/** autocannon's options for `url`: a read, or a write whose every request sends a new body. */
function loadOptions(
  url: string,
  headers: Record<string, string>,
  write?: Write,
): autocannon.Options {
  return {
    url,
    headers: write ? { ...headers, "content-type": "application/json" } : headers,
    connections: CONNECTIONS,
    ...(write
      ? {
          method: write.method,
          requests: [
            {
              setupRequest: (request: autocannon.Request) => ({
                ...request,
                body: write.body(++written),
              }),
            },
          ],
        }
      : {}),
  };
}

export async function measure(
  label: string,
  url: string,
  headers: Record<string, string>,
  seconds: number,
  write?: Write,
): Promise<Measurement> {
  const init = write
    ? {
        method: write.method,
        headers: { ...headers, "content-type": "application/json" },
        body: write.body(++written),
      }
    : { headers };
  const check = await fetch(url, init);
  if (check.status !== (write?.status ?? 200)) {
    throw new Error(`${label}: ${check.status} ${await check.text()}`);
  }
  const options = loadOptions(url, init.headers, write);
  await autocannon({ ...options, duration: 1 });
  const started = Date.now();
  const ticker = setInterval(
    () => status(`${label} … ${Math.round((Date.now() - started) / 1000)}/${seconds} s`),
    500,
  );
  const result = await autocannon({ ...options, duration: seconds });
  clearInterval(ticker);
  const m: Measurement = {
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
  };
  say(
    `${label.padEnd(58)} ${String(m.requestsPerSecond).padStart(5)} req/s  p50 ${m.p50Ms} ms  p99 ${m.p99Ms} ms${m.errors ? `  ${m.errors} ERRORS` : ""}`,
  );
  return m;
}

/** Runs `requests` requests as fast as 8 connections go (for CPU counts over a fixed amount). */
export async function send(
  url: string,
  headers: Record<string, string>,
  requests: number,
  write?: Write,
) {
  await autocannon({ ...loadOptions(url, headers, write), amount: requests });
}
