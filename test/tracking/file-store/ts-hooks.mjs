// Module hooks registered by ts-register.mjs, so a child `node` process runs this repository's
// TypeScript sources: each .ts file is transpiled with the installed typescript (no type check),
// and `./x.js` imports resolve to `./x.ts`.
import { readFile, access } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (error) {
    if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !specifier.endsWith('.js') || context.parentURL === undefined) throw error;
    const candidate = new URL(specifier.replace(/\.js$/, '.ts'), context.parentURL);
    await access(fileURLToPath(candidate)).catch(() => {
      throw error;
    });
    return { url: candidate.href, shortCircuit: true };
  }
}

let ts;
export async function load(url, context, next) {
  if (!url.endsWith('.ts')) return next(url, context);
  ts ??= (await import('typescript')).default;
  const source = await readFile(fileURLToPath(url), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    fileName: fileURLToPath(url),
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
  });
  return { format: 'module', source: outputText, shortCircuit: true };
}
