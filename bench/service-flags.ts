import { readFileSync } from 'node:fs';

/**
 * The Node.js flags a service runs with in production, read from its npm script in package.json
 * (`start:idp`, `start:portal`: `node <flags> <entry>.ts`), so the bench measures the processes
 * as they are deployed. package.json is the one place they are chosen. The Dockerfile and
 * docker-compose.yml start `node` itself (no npm process between the container's signals and the
 * service), so they repeat the flags, and test/deploy/docker-compose.test.ts keeps them equal
 * through this function.
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
