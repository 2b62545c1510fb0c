import { setFlagsFromString } from 'node:v8';

/**
 * Holds off the growth of V8's young generation (its new space). V8 doubles it after a scavenge
 * that finds most objects alive, and loading the program is all such objects: by the first request
 * a daemon had grown it from 2 to 16 MiB, of which the pages touched stayed resident until V8's
 * memory reducer shrank it about 16 s later (seen with --trace-gc). Held off while the program
 * loads, about 3 MiB of that is never touched (idle RSS 81.7 → 78.7 MiB, Node 20) for a few more
 * scavenges of about 1 ms. V8 reads this flag at each growth, so setting it at run time works.
 */
export function holdYoungGenerationGrowth(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}

/**
 * Lets the young generation grow again (V8's default factor, 2, in Node 20 and 22), for a
 * long-running process once it is serving: under load, a small young generation would mean
 * more scavenges and more objects promoted to the old generation.
 */
export function allowYoungGenerationGrowth(): void {
  setFlagsFromString('--semi-space-growth-factor=2');
}
