import { readFileSync } from 'node:fs';

/**
 * The Node.js flags a service runs with in production, read from its npm script in package.json
 * (`start:idp`, `start:portal`: `node <flags> <entry>.ts`), so the bench measures the processes
 * as they are deployed. The Dockerfile and docker-compose.yml repeat them; a test keeps them equal.
 */
export function serviceNodeFlags(service: 'idp' | 'portal'): string[] {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const script = pkg.scripts[`start:${service}`];
  const words = script?.split(/\s+/) ?? [];
  if (words[0] !== 'node' || words.at(-1) !== `${service}/main.ts`)
    throw new Error(
      `package.json start:${service} should be "node [flags] ${service}/main.ts", not "${script}"`,
    );
  return words.slice(1, -1);
}
