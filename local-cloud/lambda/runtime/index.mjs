/**
 * The runtime's entry, an ES module as the managed runtime's `/var/runtime/index.mjs` is (the
 * runtime client's own entry is an `index.mjs` too): so a function's CommonJS code finds
 * `require.main` undefined and `process.argv[1]` names this file, as on Lambda, rather than a
 * CommonJS bootstrap that libraries reading `require.main.filename` would find here and not there.
 * The runtime itself is runtime-bootstrap.cjs, loaded from here.
 */
import { createRequire } from 'node:module';

createRequire(import.meta.url)('./runtime-bootstrap.cjs');
