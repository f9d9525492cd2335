/**
 * One measurement: a URL under load from autocannon, 8 connections, after a 1-second warm-up.
 * The first answer must be a 200, or the measurement would time an error page.
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

export async function measure(
  label: string,
  url: string,
  headers: Record<string, string>,
  seconds: number,
): Promise<Measurement> {
  const check = await fetch(url, { headers });
  if (check.status !== 200) throw new Error(`${label}: ${check.status} ${await check.text()}`);
  await autocannon({ url, headers, connections: CONNECTIONS, duration: 1 });
  const started = Date.now();
  const ticker = setInterval(
    () => status(`${label} … ${Math.round((Date.now() - started) / 1000)}/${seconds} s`),
    500,
  );
  const result = await autocannon({ url, headers, connections: CONNECTIONS, duration: seconds });
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
export async function send(url: string, headers: Record<string, string>, requests: number) {
  await autocannon({ url, headers, connections: CONNECTIONS, amount: requests });
}
