/** Types of scripts/build.cjs (plain JavaScript, so that it runs before anything is compiled). */
/** Where the fingerprint of the sources dist/ was built from is kept, relative to the repository root. */
export declare const FINGERPRINT: string;
/** Where the stat of every build input is kept with the fingerprint it was hashed for (the fast check). */
export declare const STAMPS: string;
/** SHA-256 over the path and content of src/**, tsconfig.json and package-lock.json under root. */
export declare function fingerprint(root?: string): string;
/**
 * Why dist/ must be rebuilt, or null when it was built from exactly the present sources: by the stat
 * stamps when every input has the stat it had when last hashed, by hashing the content otherwise
 * (and then, with refresh (default true), recording the present stat).
 */
export declare function staleness(root?: string, refresh?: boolean): string | null;
/** Removes compiled files of dist/ whose src/ file no longer exists. */
export declare function removeOrphans(root?: string): void;
/** tsc, link-dist, orphans, fingerprint. */
export declare function build(): void;
/** npm ci if the packages are missing, a build if dist/ is stale; returns what was done ("" for nothing). */
export declare function ensureBuilt(who?: string): string;
