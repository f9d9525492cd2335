import { createHash } from "node:crypto";

/**
 * The records an import has kept so far, by key, with the position of each: how a later record
 * with the same key is told apart from one the workspace held before the run. Keys are kept as
 * 52-bit fingerprints in an open-addressing table of typed arrays (12 bytes a slot, at most half
 * of them used: 24 to 48 bytes a record), so a file of millions of records stays within the
 * import's memory budget. Two different keys share
 * a fingerprint with odds of about n² / 2⁵³ (one in ten million for a million records).
 */
export class SeenKeys {
  private fingerprints = new Float64Array(1024);
  private positions = new Uint32Array(1024);
  private count = 0;

  private static fingerprint(key: string): number {
    const digest = createHash("sha256").update(key).digest();
    // 52 bits, never 0 (0 marks an empty slot).
    return (digest.readUInt32BE(0) & 0xfffff) * 2 ** 32 + digest.readUInt32BE(4) + 1;
  }

  private slot(fingerprint: number): number {
    const mask = this.fingerprints.length - 1;
    let i = fingerprint % this.fingerprints.length;
    while (this.fingerprints[i] !== 0 && this.fingerprints[i] !== fingerprint) i = (i + 1) & mask;
    return i;
  }

  /** The position of the earlier record with this key, if any. */
  get(key: string): number | undefined {
    const i = this.slot(SeenKeys.fingerprint(key));
    return this.fingerprints[i] === 0 ? undefined : this.positions[i];
  }

  set(key: string, position: number): void {
    if ((this.count + 1) * 2 > this.fingerprints.length) this.grow();
    const fingerprint = SeenKeys.fingerprint(key);
    const i = this.slot(fingerprint);
    if (this.fingerprints[i] === 0) this.count++;
    this.fingerprints[i] = fingerprint;
    this.positions[i] = position;
  }

  private grow() {
    const { fingerprints, positions } = this;
    this.fingerprints = new Float64Array(fingerprints.length * 2);
    this.positions = new Uint32Array(positions.length * 2);
    fingerprints.forEach((fingerprint, i) => {
      if (fingerprint === 0) return;
      const slot = this.slot(fingerprint);
      this.fingerprints[slot] = fingerprint;
      this.positions[slot] = positions[i] as number;
    });
  }
}
