// Lets a child `node` process run this repository's TypeScript sources, so tests can start real
// second processes against one store: `node --import ./ts-register.mjs child.ts`.
import { register } from 'node:module';

register('./ts-hooks.mjs', import.meta.url);
