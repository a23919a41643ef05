/**
 * A child process for the object-store contract test: increments a counter object in a `dir:`
 * store N times, each by read → conditional put, retrying on precondition-failed.
 *
 *   node --import tsx test/helpers/dir-store-counter.ts ROOT KEY N
 *
 * Prints how many of its writes met a conflict. If conditional writes were not atomic across
 * processes, increments of concurrent children would be lost.
 */
import { DirectoryStore } from '../../builder/src/publish/directory-store';
import { conditionAfter } from '../../builder/src/publish/object-store';

const [root, key, times] = process.argv.slice(2);
if (!root || !key || !times) throw new Error('usage: dir-store-counter.ts ROOT KEY N');
const store = await DirectoryStore.open(root);
let conflicts = 0;
for (let i = 0; i < Number(times); i++) {
  for (;;) {
    const current = await store.get(key);
    const value = current ? Number(new TextDecoder().decode(current.bytes)) : 0;
    const result = await store.put(key, new TextEncoder().encode(String(value + 1)), 'text/plain', conditionAfter(current));
    if (result.ok) break;
    conflicts += 1;
  }
}
process.stdout.write(`${conflicts}\n`);
